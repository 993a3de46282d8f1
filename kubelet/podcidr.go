package kubelet

import (
	"context"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// awaitPodCIDR waits until the node IPAM controller has given the named Node a pod CIDR,
// for a node that joined a cluster whose other nodes hold other ranges: it must not
// claim one itself. Polling is enough: the controller assigns one within moments of
// the registration, and the agent can do nothing until then.
func awaitPodCIDR(ctx context.Context, client kubernetes.Interface, name string, log *slog.Logger) (*corev1.Node, error) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	warned := time.Now()
	for {
		n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" {
			return n, nil
		}
		if time.Since(warned) > 30*time.Second {
			log.Warn("waiting for the node IPAM controller to assign this node a pod CIDR", "node", name, "err", err)
			warned = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
