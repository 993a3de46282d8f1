package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// `kite agent`: nodes joining a running server with its node token.

// joinServer starts a server without a node of its own and returns it, its kubeconfig,
// its join URL and its node token.
func joinServer(t *testing.T, extra ...string) (srv *kiteProc, kubeconfig, url, token string) {
	t.Helper()
	srv, kubeconfig = apiServer(t, extra...)
	tokenFile := filepath.Join(filepath.Dir(kubeconfig), "server", "node-token")
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatalf("the server wrote no node token: %v", err)
	}
	if st, err := os.Stat(tokenFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("node-token mode: %v %v, want 0600", st.Mode(), err)
	}
	url = "https://127.0.0.1:" + strconv.Itoa(srv.port)
	if !strings.Contains(srv.stderr.String(), "to add a node: kite agent --server "+url+" --token") {
		t.Errorf("the server does not say how to join:\n%s", srv.stderr.String())
	}
	return srv, kubeconfig, url, strings.TrimSpace(string(b))
}

// stopAgentAtCleanup makes the end of the test stop the agent with SIGTERM and fail
// unless it exits 0.
func stopAgentAtCleanup(t *testing.T, p *kiteProc) *kiteProc {
	t.Helper()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		p.signal(t, syscall.SIGTERM)
		if code := p.wait(t, 60*time.Second); code != 0 {
			t.Errorf("kite agent exited %d on SIGTERM; stderr:\n%s", code, p.stderr.String())
		}
	})
	return p
}

func TestAgentJoinsSimulatedNodes(t *testing.T) {
	_, kubeconfig, url, token := joinServer(t)
	k := newest(t)
	client := clientFor(t, kubeconfig)
	ctx := context.Background()

	agent := stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token", token,
		"--data-dir", t.TempDir(), "--node-name", "kite-join", "--simulated-nodes", "3"))

	eventually(t, 60*time.Second, func() string {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		ready := 0
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if !strings.HasPrefix(n.Name, "kite-join-sim-") {
				return "unexpected node " + n.Name
			}
			if nodeCondition(n, corev1.NodeReady) == corev1.ConditionTrue {
				ready++
			}
		}
		if ready != 3 {
			return strconv.Itoa(ready) + " of 3 nodes Ready; agent:\n" + agent.stderr.String()
		}
		return ""
	})
	// The agent got its identity through a CSR, approved and signed by the server.
	csrs := kubectl(t, k, kubeconfig, "get", "csr", "-o",
		`jsonpath={range .items[*]}{.spec.signerName} {.spec.username} {.status.conditions[0].type}{"\n"}{end}`)
	if !strings.Contains(csrs, "kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:kite-node-token Approved") {
		t.Errorf("CSRs:\n%s", csrs)
	}
	if !strings.Contains(agent.stderr.String(), "node client certificate for system:node:kite-join issued") {
		t.Errorf("the agent does not report its certificate:\n%s", agent.stderr.String())
	}

	kubectl(t, k, kubeconfig, "create", "deployment", "kite-join-web", "--image=busybox", "--replicas=6", "--", "sleep", "3600")
	eventually(t, 60*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "deployment", "kite-join-web", "-o",
			`jsonpath={.status.availableReplicas} {.status.conditions[?(@.type=="Available")].status}`)
		if out != "6 True" {
			return "deployment availableReplicas, Available: " + out
		}
		return ""
	})
	pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-join-web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if !strings.HasPrefix(p.Spec.NodeName, "kite-join-sim-") || p.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s on %q is %s", p.Name, p.Spec.NodeName, p.Status.Phase)
		}
	}
}

func TestAgentRefusesAWrongToken(t *testing.T) {
	_, kubeconfig, url, token := joinServer(t)
	client := clientFor(t, kubeconfig)
	cut := strings.LastIndex(token, ":")
	hash := token[3:strings.Index(token, "::")]
	otherHash := strings.Repeat("0", len(hash))
	if hash == otherHash {
		otherHash = strings.Repeat("1", len(hash))
	}
	for _, tc := range []struct {
		name, token, want string
		code              int
	}{
		{"wrong secret", token[:cut+1] + "not-the-secret", "the server refused the node token (401 Unauthorized)", 1},
		{"another cluster's CA", strings.Replace(token, hash, otherHash, 1), "the server's CA does not match the node token's hash", 1},
		{"not a token", "hunter2", "--token: the node token does not start with K10", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agent := startKite(t, 0, "agent", "--server", url, "--token", tc.token,
				"--data-dir", t.TempDir(), "--node-name", "kite-bad", "--simulated-nodes", "1")
			if code := agent.wait(t, 30*time.Second); code != tc.code {
				t.Errorf("kite agent exited %d, want %d; stderr:\n%s", code, tc.code, agent.stderr.String())
			}
			if !strings.Contains(agent.stderr.String(), tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, agent.stderr.String())
			}
		})
	}
	nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 0 {
		t.Errorf("nodes after refused joins: %v, %v", nodes, err)
	}
}

// cleanAgentHostAfter makes the end of the test run `kite agent --cleanup` on dataDir
// and fail if anything of the node agent's is left on the host.
func cleanAgentHostAfter(t *testing.T, dataDir string) {
	t.Helper()
	t.Cleanup(func() {
		cleanup := startKite(t, 0, "agent", "--cleanup", "--data-dir", dataDir)
		if code := cleanup.wait(t, 60*time.Second); code != 0 {
			t.Errorf("kite agent --cleanup exited %d:\n%s", code, cleanup.stderr.String())
		}
		if left := hostLeftovers(dataDir); len(left) > 0 {
			t.Errorf("left on the host after --cleanup:\n%s", strings.Join(left, "\n"))
		}
	})
}

const joinedBusyboxPod = `apiVersion: v1
kind: Pod
metadata:
  name: kite-joined-busybox
  namespace: default
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo hello from the joined node; sleep 3600"]
`

func TestAgentJoinsARealNode(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	// The server dials the joined agent at its InternalIP, 127.0.0.1 here.
	_, kubeconfig, url, _ := joinServer(t, "--remote-node-agents")
	k := newest(t)
	client := clientFor(t, kubeconfig)
	dataDir := t.TempDir()

	// Cleanups run last first: the pod goes, then the agent stops, then --cleanup.
	cleanAgentHostAfter(t, dataDir)
	kubeletPort := strconv.Itoa(freePort(t))
	// --token-file: the token stays out of the process list.
	tokenFile := filepath.Join(filepath.Dir(kubeconfig), "server", "node-token")
	agent := stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token-file", tokenFile,
		"--data-dir", dataDir, "--node-name", "kite-joined", "--node-ip", "127.0.0.1",
		"--kubelet-port", kubeletPort, "--images", images))
	deletePodsAtCleanup(t, client, "kite-joined-busybox")

	node := readyNode(t, client, agent)
	if node != "kite-joined" {
		t.Fatalf("node %q registered, want kite-joined", node)
	}
	// Its pod range comes from the node IPAM controller, never the server's own node's.
	info := kubectl(t, k, kubeconfig, "get", "node", node, "-o",
		`jsonpath={.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address} {.status.daemonEndpoints.kubeletEndpoint.Port}`)
	if f := strings.Fields(info); len(f) != 3 || f[0] == "10.42.0.0/24" || !strings.HasPrefix(f[0], "10.42.") || f[1] != "127.0.0.1" || f[2] != kubeletPort {
		t.Errorf("node podCIDR, InternalIP, kubelet port: %q", info)
	}
	// Both certificates came through CSRs: the client one asked for with the token, the
	// serving one by the node itself.
	csrs := kubectl(t, k, kubeconfig, "get", "csr", "-o",
		`jsonpath={range .items[*]}{.spec.signerName} {.spec.username} {.status.conditions[0].type}{"\n"}{end}`)
	for _, want := range []string{
		"kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:kite-node-token Approved",
		"kubernetes.io/kubelet-serving system:node:kite-joined Approved",
	} {
		if !strings.Contains(csrs, want) {
			t.Errorf("CSRs lack %q:\n%s", want, csrs)
		}
	}

	manifest := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(manifest, []byte(joinedBusyboxPod), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	nodePoll(t, 90*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-joined-busybox", "-o",
			`jsonpath={.spec.nodeName} {.status.phase} {.status.containerStatuses[0].ready}`)
		if out != "kite-joined Running true" {
			return "pod: " + out + "\nagent:\n" + agent.stderr.String()
		}
		return ""
	})
	// kubectl logs goes API server → agent's HTTPS server, each checking the other's
	// certificate against the cluster CA.
	nodePoll(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "logs", "kite-joined-busybox")
		if !strings.Contains(out, "hello from the joined node") {
			return "kubectl logs: " + out
		}
		return ""
	})
}
