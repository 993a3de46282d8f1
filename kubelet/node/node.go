package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Config describes the node.
type Config struct {
	Client kubernetes.Interface
	// Name is the Node's name (the hostname, lower case). Required.
	Name string
	// Address is the node's InternalIP. Required.
	Address net.IP
	// PodCIDR is given to a Node that has none yet.
	PodCIDR string
	// KubeletVersion and RuntimeVersion ("containerd://1.6.20") fill nodeInfo.
	KubeletVersion, RuntimeVersion string
	// Ready reports whether the runtime can run pods and, if not, why. Nil: ready.
	Ready func(ctx context.Context) (bool, string)
	// Images lists the images the runtime holds, for status.images (CRIImages). Nil:
	// the list is left as it is.
	Images func(ctx context.Context) ([]corev1.ContainerImage, error)
	// Machine reads the host's facts (default: this machine's).
	Machine func() Machine
	// DiskPath is where ephemeral storage lives (the data dir), for its capacity.
	DiskPath string
	// LeaseInterval is the Lease renewal period (default 10s); the Lease lasts 40s.
	LeaseInterval time.Duration
	// StatusInterval is the longest time between two status posts (default 1m);
	// changes are posted at the next LeaseInterval tick.
	StatusInterval time.Duration
	// KubeletPort is the agent's HTTPS port, announced in daemonEndpoints (10250).
	KubeletPort int32
	Clock       clock.WithTicker
	Logger      *slog.Logger
}

func (c *Config) defaults() error {
	if c.Client == nil || c.Name == "" || c.Address == nil {
		return fmt.Errorf("node: Client, Name and Address are required")
	}
	if c.LeaseInterval == 0 {
		c.LeaseInterval = 10 * time.Second
	}
	if c.StatusInterval == 0 {
		c.StatusInterval = time.Minute
	}
	if c.KubeletPort == 0 {
		c.KubeletPort = 10250
	}
	if c.Machine == nil {
		c.Machine = func() Machine { return ReadMachine(c.DiskPath) }
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Register creates the Node, or brings an existing one's labels and pod CIDR up to date,
// and returns it.
func Register(ctx context.Context, cfg Config) (*corev1.Node, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	nodes := cfg.Client.CoreV1().Nodes()
	want := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: cfg.Name, Labels: labels(cfg.Name)},
	}
	if cfg.PodCIDR != "" {
		want.Spec.PodCIDR = cfg.PodCIDR
		want.Spec.PodCIDRs = []string{cfg.PodCIDR}
	}
	created, err := nodes.Create(ctx, want, metav1.CreateOptions{})
	if err == nil {
		cfg.Logger.Info("node registered", "node", cfg.Name, "podCIDR", created.Spec.PodCIDR)
		return created, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("registering node %s: %w", cfg.Name, err)
	}
	for attempt := 0; ; attempt++ {
		n, err := nodes.Get(ctx, cfg.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		changed := false
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		for k, v := range want.Labels {
			if n.Labels[k] != v {
				n.Labels[k], changed = v, true
			}
		}
		if n.Spec.PodCIDR == "" && cfg.PodCIDR != "" {
			n.Spec.PodCIDR, n.Spec.PodCIDRs, changed = cfg.PodCIDR, []string{cfg.PodCIDR}, true
		}
		if !changed {
			return n, nil
		}
		updated, err := nodes.Update(ctx, n, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("updating node %s: %w", cfg.Name, err)
		}
		return updated, nil
	}
}

// labels are the well-known labels upstream's kubelet sets on its Node.
func labels(name string) map[string]string {
	return map[string]string{
		corev1.LabelHostname:      name,
		corev1.LabelOSStable:      runtime.GOOS,
		corev1.LabelArchStable:    runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
}
