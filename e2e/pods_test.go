package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Helpers of the tests that run pods on a real node agent (node, images, probes,
// volumes). Cleanups run last first, so a test registers cleanHostAfter before it
// starts the server, and the server's stop before the deletion of its pods: the pods
// go while the agent still runs, then the server stops, then the host is checked.

// cleanHostAfter makes the end of the test run `kite server --cleanup` on dataDir and
// fail if anything of the node agent's is left on the host.
func cleanHostAfter(t *testing.T, dataDir string) {
	t.Helper()
	t.Cleanup(func() {
		cleanup := startKite(t, 0, "server", "--cleanup", "--data-dir", dataDir)
		if code := cleanup.wait(t, 60*time.Second); code != 0 {
			t.Errorf("kite server --cleanup exited %d:\n%s", code, cleanup.stderr.String())
		}
		if left := hostLeftovers(dataDir); len(left) > 0 {
			t.Errorf("left on the host after --cleanup:\n%s", strings.Join(left, "\n"))
		}
	})
}

// stopAtCleanup makes the end of the test stop p with SIGTERM, unless it already
// exited, and fail unless it exits 0. It returns p.
func stopAtCleanup(t *testing.T, p *kiteProc) *kiteProc {
	t.Helper()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.signal(t, syscall.SIGTERM)
			if code := p.wait(t, 60*time.Second); code != 0 {
				t.Errorf("kite server exited %d on SIGTERM; stderr:\n%s", code, p.stderr.String())
			}
		}
	})
	return p
}

// readyNode waits for the one node of srv to register and become Ready, and returns
// its name.
func readyNode(t *testing.T, client kubernetes.Interface, srv *kiteProc) string {
	t.Helper()
	var node string
	nodePoll(t, 90*time.Second, func() string {
		nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
		if err != nil || len(nodes.Items) != 1 {
			return "no node yet\n" + srv.stderr.String()
		}
		if nodeCondition(&nodes.Items[0], corev1.NodeReady) != corev1.ConditionTrue {
			return "node not Ready\n" + srv.stderr.String()
		}
		node = nodes.Items[0].Name
		return ""
	})
	return node
}

func nodeCondition(n *corev1.Node, t corev1.NodeConditionType) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// deletePodsAtCleanup makes the end of the test delete the named pods of the default
// namespace and wait until the agent has torn every pod there down.
func deletePodsAtCleanup(t *testing.T, client kubernetes.Interface, names ...string) {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() {
		for _, name := range names {
			client.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{})
		}
		nodePoll(t, 60*time.Second, func() string {
			pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			if err != nil || len(pods.Items) > 0 {
				return "pods not torn down"
			}
			return ""
		})
	})
}
