package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Pod networking between nodes: the node agent routes each other node's pod CIDR
// through that node's InternalIP (kubelet/network's route syncer), marked with Kite's
// route protocol number, 75.

// kiteRoutes is `ip -4 route show proto 75`: the host's routes of Kite's.
func kiteRoutes(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show", "proto", "75").CombinedOutput()
	if err != nil {
		t.Fatalf("ip route show proto 75: %v: %s", err, out)
	}
	return string(out)
}

// nodesNetwork puts a veth pair kite-e2e0/kite-e2e1 on the host with 203.0.113.1/24
// (TEST-NET-3, a documentation range routed nowhere; nothing is sent to it) on
// kite-e2e0: the network the simulated nodes' InternalIPs are on. The pair goes when
// the test ends.
func nodesNetwork(t *testing.T) {
	t.Helper()
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("link", "add", "kite-e2e0", "type", "veth", "peer", "name", "kite-e2e1")
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "link", "delete", "kite-e2e0").CombinedOutput(); err != nil {
			t.Errorf("ip link delete kite-e2e0: %v: %s", err, out)
		}
	})
	ip("addr", "add", "203.0.113.1/24", "dev", "kite-e2e0")
	ip("link", "set", "kite-e2e0", "up")
	ip("link", "set", "kite-e2e1", "up")
}

// podCIDROf waits for the node to have a pod CIDR and returns it.
func podCIDROf(t *testing.T, client kubernetes.Interface, name string) string {
	t.Helper()
	var cidr string
	nodePoll(t, 60*time.Second, func() string {
		n, err := client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return "node " + name + ": " + err.Error()
		}
		if cidr = n.Spec.PodCIDR; cidr == "" {
			return "node " + name + " has no pod CIDR yet"
		}
		return ""
	})
	return cidr
}

func TestNodeRoutes(t *testing.T) {
	requireNodeHost(t)
	if strings.TrimSpace(kiteRoutes(t)) != "" {
		t.Fatalf("the host has Kite routes before the test:\n%s", kiteRoutes(t))
	}
	// Cleanups run last first: the agents and the server stop, --cleanup runs and the
	// host is checked, then the test network goes.
	nodesNetwork(t)
	dataDir := t.TempDir()
	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir))
	srv.waitReady(t)
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	client := clientFor(t, kubeconfig)
	k := newest(t)
	url := "https://127.0.0.1:" + strconv.Itoa(srv.port)
	tokenFile := filepath.Join(dataDir, "server", "node-token")

	// Two simulated nodes on the test network (203.0.113.2 and .3), and one at
	// 198.18.0.1, a network this host is not connected to.
	near := stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token-file", tokenFile,
		"--data-dir", t.TempDir(), "--node-name", "kite-near", "--simulated-nodes", "2", "--node-ip", "203.0.113.2"))
	stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token-file", tokenFile,
		"--data-dir", t.TempDir(), "--node-name", "kite-far", "--simulated-nodes", "1"))

	cidr0 := podCIDROf(t, client, "kite-near-sim-0")
	cidr1 := podCIDROf(t, client, "kite-near-sim-1")
	cidrFar := podCIDROf(t, client, "kite-far-sim-0")
	if out := kubectl(t, k, kubeconfig, "get", "node", "kite-near-sim-1", "-o",
		`jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`); out != "203.0.113.3" {
		t.Errorf("kite-near-sim-1's InternalIP %q, want 203.0.113.3 (from --node-ip 203.0.113.2)", out)
	}
	want0 := cidr0 + " via 203.0.113.2 dev kite-e2e0"
	want1 := cidr1 + " via 203.0.113.3 dev kite-e2e0"
	nodePoll(t, 60*time.Second, func() string {
		routes := kiteRoutes(t)
		if !strings.Contains(routes, want0) || !strings.Contains(routes, want1) {
			return "Kite routes lack " + want0 + " and " + want1 + ":\n" + routes + "\nagent:\n" + near.stderr.String()
		}
		return ""
	})
	// The server's own node (its bridge has its range) and the far node get none.
	routes := kiteRoutes(t)
	if strings.Contains(routes, cidrFar) || strings.Contains(routes, "10.42.0.0/24") || strings.Count(routes, "\n") != 2 {
		t.Errorf("Kite routes:\n%s\nwant only %q and %q", routes, want0, want1)
	}
	// The far node is reported on its Node, as upstream's route controller does.
	nodePoll(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "events", "-A", "-o",
			`jsonpath={range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.type} {.reason} {.source.component}: {.message}{"\n"}{end}`)
		if !strings.Contains(out, "Node/kite-far-sim-0 Warning FailedToCreateRoute kubelet: ") || !strings.Contains(out, "198.18.0.1") {
			return "no FailedToCreateRoute event for kite-far-sim-0:\n" + out
		}
		return ""
	})

	// A deleted node's route goes; the others stay.
	if err := client.CoreV1().Nodes().Delete(context.Background(), "kite-near-sim-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	nodePoll(t, 30*time.Second, func() string {
		if routes := kiteRoutes(t); strings.Contains(routes, cidr0+" ") || !strings.Contains(routes, want1) {
			return "after kite-near-sim-0's deletion, Kite routes are:\n" + routes
		}
		return ""
	})

	// The routes outlive the agent (pods elsewhere stay reachable across a restart);
	// --cleanup removes them.
	srv.signal(t, syscall.SIGTERM)
	if code := srv.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("kite server exited %d on SIGTERM:\n%s", code, srv.stderr.String())
	}
	if routes := kiteRoutes(t); !strings.Contains(routes, want1) {
		t.Errorf("after the server stopped, Kite routes are:\n%s\nwant %q", routes, want1)
	}
	cleanup := startKite(t, 0, "server", "--cleanup", "--data-dir", dataDir)
	if code := cleanup.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("kite server --cleanup exited %d:\n%s", code, cleanup.stderr.String())
	}
	if routes := kiteRoutes(t); strings.TrimSpace(routes) != "" {
		t.Errorf("after --cleanup, Kite routes are left:\n%s", routes)
	}
}
