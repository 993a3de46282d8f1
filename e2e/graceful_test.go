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

// Graceful deletion of pods through stock kubectl, with no node agent: a pod bound to a
// node stays Terminating after a delete until it is deleted again with grace 0 (what
// the kubelet does, and `kubectl delete --force` too); an unbound pod goes at once.

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

// TestFakeKubeletFinishesDeletions checks the e2e tests' fake kubelet: a plain delete
// of a bound pod completes, as it does with a node agent.
func TestFakeKubeletFinishesDeletions(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	finishDeletions(t, c)
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kite-fake-node"}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("kite-fk-%d", i), Labels: map[string]string{"app": "kite-fk"}},
			Spec: corev1.PodSpec{NodeName: "kite-fake-node", Containers: []corev1.Container{{Name: "c", Image: "kite.test/none:1"}}}}
		if _, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// kubectl waits for the pods to be gone: only the fake kubelet can make that happen.
	kubectl(t, k, kc, "delete", "pods", "-l", "app=kite-fk", "--timeout=30s")
	eventually(t, 10*time.Second, func() string {
		l, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-fk"})
		if err != nil {
			return err.Error()
		}
		if len(l.Items) != 0 {
			return fmt.Sprintf("%d pods left", len(l.Items))
		}
		return ""
	})
}
