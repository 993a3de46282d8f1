package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Graceful deletion of pods through stock kubectl: a pod bound to a node stays
// Terminating after a delete until it is deleted again with grace 0 (what the kubelet
// does, and `kubectl delete --force` too); an unbound pod goes at once.
//
// TestGracefulPodDeletion binds its pods to a bare Node object with no kubelet of any
// kind behind it, simulated or real: it looks at the pod while it is Terminating, which
// a kubelet would end at once.

func TestGracefulPodDeletion(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kite-graceful-node"}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	newPod := func(name, node string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: node,
			Containers: []corev1.Container{{Name: "c", Image: "kite.test/none:1"}}}}
		if node == "" {
			// Keep the scheduler from binding it to the node above.
			p.Spec.NodeSelector = map[string]string{"kite.test/nowhere": "true"}
		}
		created, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return created
	}
	created := newPod("kite-bound", "kite-graceful-node")
	if g := created.Spec.TerminationGracePeriodSeconds; g == nil || *g != 30 {
		t.Fatalf("terminationGracePeriodSeconds defaulted to %v, want 30", g)
	}

	before := time.Now()
	kubectl(t, k, kc, "delete", "pod", "kite-bound", "--wait=false")
	after := time.Now()
	p, err := c.CoreV1().Pods("default").Get(ctx, "kite-bound", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("a bound pod went at once: %v", err)
	}
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 30 {
		t.Errorf("deletionGracePeriodSeconds = %v, want 30", p.DeletionGracePeriodSeconds)
	}
	// The timestamp has second precision: allow the second it was truncated in.
	ts := p.DeletionTimestamp
	if ts == nil || ts.Time.Before(before.Add(29*time.Second)) || ts.Time.After(after.Add(30*time.Second)) {
		t.Fatalf("deletionTimestamp = %v, want about %v", ts, before.Add(30*time.Second))
	}
	if p.Generation != created.Generation+1 {
		t.Errorf("generation %d after graceful delete, want %d", p.Generation, created.Generation+1)
	}
	rows := fields(kubectl(t, k, kc, "get", "pods", "kite-bound"))
	if len(rows) != 2 || rows[1][2] != "Terminating" {
		t.Errorf("kubectl get pods: %v, want the pod Terminating", rows)
	}

	// Updates while it terminates keep it (the kubelet writes status meanwhile).
	kubectl(t, k, kc, "label", "pod", "kite-bound", "stage=stopping")
	p.Status.Phase = corev1.PodRunning
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
		t.Fatalf("status update during grace: %v", err)
	}
	p, err = c.CoreV1().Pods("default").Get(ctx, "kite-bound", metav1.GetOptions{})
	if err != nil || p.Labels["stage"] != "stopping" {
		t.Fatalf("after updates during the grace period: %v %v", p, err)
	}

	// A second delete may only shorten the period, from the original start.
	kubectl(t, k, kc, "delete", "pod", "kite-bound", "--wait=false", "--grace-period=60")
	p2, err := c.CoreV1().Pods("default").Get(ctx, "kite-bound", metav1.GetOptions{})
	if err != nil || !p2.DeletionTimestamp.Equal(ts) || *p2.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("a longer period changed the deletion: %v %v", p2.DeletionTimestamp, err)
	}
	kubectl(t, k, kc, "delete", "pod", "kite-bound", "--wait=false", "--grace-period=20")
	p2, err = c.CoreV1().Pods("default").Get(ctx, "kite-bound", metav1.GetOptions{})
	if err != nil || !p2.DeletionTimestamp.Time.Equal(ts.Add(-10*time.Second)) || *p2.DeletionGracePeriodSeconds != 20 {
		t.Fatalf("shortened to 20s: timestamp %v (was %v), period %v, err %v",
			p2.DeletionTimestamp, ts, ptr.Deref(p2.DeletionGracePeriodSeconds, -1), err)
	}

	// Forcing it removes it now.
	out := kubectl(t, k, kc, "delete", "pod", "kite-bound", "--grace-period=0", "--force")
	if !strings.Contains(out, `"kite-bound" force deleted`) {
		t.Errorf("kubectl delete --force said %q", out)
	}
	if _, err := c.CoreV1().Pods("default").Get(ctx, "kite-bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after a forced delete: %v, want NotFound", err)
	}

	// An unbound pod, and a bound one that has finished, go at once.
	newPod("kite-unbound", "")
	done := newPod("kite-done", "kite-graceful-node")
	done.Status.Phase = corev1.PodSucceeded
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, done, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kite-unbound", "kite-done"} {
		kubectl(t, k, kc, "delete", "pod", name, "--wait=false")
		if _, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("pod %s after delete: %v, want NotFound", name, err)
		}
	}
}

// A plain delete of a pod on a simulated node completes, as it does with a node agent:
// the simulated node reports the pod's containers stopped and deletes it with grace 0.
func TestSimulatedNodeFinishesDeletions(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	node := simNodes(t, c, 1)[0]
	for i := range 3 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("kite-sim-del-%d", i), Labels: map[string]string{"app": "kite-sim-del"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "kite.test/none:1"}}}}
		if _, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, func() string {
		l, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-sim-del"})
		if err != nil {
			return err.Error()
		}
		for _, p := range l.Items {
			if p.Spec.NodeName != node || !podReady(&p) {
				return fmt.Sprintf("pod %s on %q, phase %s", p.Name, p.Spec.NodeName, p.Status.Phase)
			}
		}
		return ""
	})
	// kubectl waits for the pods to be gone: only the node can make that happen within
	// their 30 s grace period.
	start := time.Now()
	kubectl(t, k, kc, "delete", "pods", "-l", "app=kite-sim-del", "--timeout=20s")
	t.Logf("kubectl delete returned after %s", time.Since(start).Round(time.Millisecond))
	l, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-sim-del"})
	if err != nil || len(l.Items) != 0 {
		t.Fatalf("after kubectl delete: %d pods left (%v)", len(l.Items), err)
	}
}
