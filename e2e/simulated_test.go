package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Simulated nodes (`kite server --simulated-nodes`), the node IPAM and node lifecycle
// controllers and taint eviction, through stock kubectl and client-go.

func TestSimulatedNodesRunDeploymentAndEvictFromSilentNode(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "3")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// The nodes register, get a pod range each and are Ready.
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "nodes", "-l", "type=kite-simulated", "-o",
			`jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			return "nodes: " + out
		}
		seen := map[string]bool{}
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) != 3 || f[2] != "True" || !strings.HasPrefix(f[1], "10.42.") || !strings.HasSuffix(f[1], "/24") || seen[f[1]] {
				return "nodes: " + out
			}
			seen[f[1]] = true
		}
		return ""
	})
	if out := kubectl(t, k, kc, "get", "nodes"); !strings.Contains(out, "kite-sim-0") || !strings.Contains(out, "Ready") {
		t.Fatalf("kubectl get nodes:\n%s", out)
	}

	// A Deployment of 6 becomes Available on them, its pods Running with pod IPs.
	labels := map[string]string{"app": "kite-sim-web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-sim-web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](6),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/pause:3.10"}},
					Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
						Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](5)}},
				},
			},
		},
	}
	if _, err := c.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() string {
		got, err := c.AppsV1().Deployments("default").Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue && got.Status.AvailableReplicas == 6 {
				return ""
			}
		}
		return fmt.Sprintf("deployment: %d available, conditions %v", got.Status.AvailableReplicas, got.Status.Conditions)
	})
	pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-sim-web"})
	if err != nil {
		t.Fatal(err)
	}
	pool := netip.MustParsePrefix("10.42.0.0/16")
	onNode := map[string][]string{}
	for _, p := range pods.Items {
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if p.Status.Phase != corev1.PodRunning || err != nil || !pool.Contains(ip) || !strings.HasPrefix(p.Spec.NodeName, "kite-sim-") {
			t.Fatalf("pod %s: phase %s, podIP %q, node %q", p.Name, p.Status.Phase, p.Status.PodIP, p.Spec.NodeName)
		}
		onNode[p.Spec.NodeName] = append(onNode[p.Spec.NodeName], p.Name)
	}
	// The default tolerations were added beside the pod's own.
	var notReady *corev1.Toleration
	for i, tol := range pods.Items[0].Spec.Tolerations {
		if tol.Key == corev1.TaintNodeNotReady {
			notReady = &pods.Items[0].Spec.Tolerations[i]
		}
	}
	if notReady == nil || notReady.TolerationSeconds == nil || *notReady.TolerationSeconds != 300 {
		t.Errorf("pod tolerations %+v lack the default not-ready toleration of 300s", pods.Items[0].Spec.Tolerations)
	}

	// Stop the heartbeat of a node that runs some of the pods.
	victim := ""
	for n := range onNode {
		if victim == "" || len(onNode[n]) > len(onNode[victim]) {
			victim = n
		}
	}
	kubectl(t, k, kc, "annotate", "node", victim, "kite.dev/simulated-stopped=true")
	eventually(t, 90*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "node", victim, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.spec.taints[*].key}:{.spec.taints[*].effect}`)
		if !strings.HasPrefix(out, "Unknown NodeStatusUnknown ") || !strings.Contains(out, "node.kubernetes.io/unreachable") || !strings.Contains(out, "NoExecute") {
			return victim + ": " + out
		}
		return ""
	})
	// Its pods are evicted after their 5 s toleration; with no kubelet to finish them
	// they stay Terminating, marked as disruption targets, and are replaced elsewhere.
	eventually(t, 60*time.Second, func() string {
		for _, name := range onNode[victim] {
			p, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				continue
			}
			if p.DeletionTimestamp == nil {
				return "pod " + name + " on the silent node is not being deleted"
			}
			marked := false
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.DisruptionTarget && cond.Reason == "DeletionByTaintManager" {
					marked = true
				}
			}
			if !marked {
				return "pod " + name + " lacks the DisruptionTarget condition"
			}
		}
		return ""
	})
	evs := kubectl(t, k, kc, "get", "events", "--field-selector", "reason=TaintManagerEviction", "-o", "jsonpath={.items[*].message}")
	if !strings.Contains(evs, "Marking for deletion Pod default/"+onNode[victim][0]) {
		t.Errorf("TaintManagerEviction events: %q", evs)
	}
	eventually(t, 60*time.Second, func() string {
		l, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-sim-web"})
		if err != nil {
			return err.Error()
		}
		running := 0
		for _, p := range l.Items {
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
				if p.Spec.NodeName == victim {
					return "replacement " + p.Name + " scheduled onto the unreachable node"
				}
				running++
			}
		}
		if running != 6 {
			return fmt.Sprintf("%d replacement-inclusive pods running, want 6", running)
		}
		return ""
	})

	// The heartbeat returns: Ready again, taints gone, the evicted pods finalised.
	kubectl(t, k, kc, "annotate", "node", victim, "kite.dev/simulated-stopped-")
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "node", victim, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}`)
		if strings.TrimSpace(out) != "True" {
			return victim + ": " + out
		}
		for _, name := range onNode[victim] {
			if _, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{}); err == nil {
				return "evicted pod " + name + " still there"
			}
		}
		return ""
	})
}
