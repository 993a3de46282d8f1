package simulated

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A running pod deleted while a finalizer keeps it ends Failed, its container killed,
// with the conditions an eviction gave it: what a Job's pod failure policy reads.
func TestDeletedPodEndsFailed(t *testing.T) {
	p := pod("evicted", "kite-sim-0", nil)
	p.Finalizers = []string{"batch.kubernetes.io/job-tracking"}
	client := fake.NewClientset(p)
	var deleted atomic.Bool
	client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		deleted.Store(true)
		return true, nil, nil // the finalizer keeps the object
	})
	s, err := New(Config{Client: client, Nodes: 1, HeartbeatInterval: 200 * time.Millisecond, KubeletVersion: "v1.37.0-kite"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	poll(t, "node registered", func() string {
		if _, err := client.CoreV1().Nodes().Get(ctx, "kite-sim-0", metav1.GetOptions{}); err != nil {
			return err.Error()
		}
		return ""
	})
	patch := []byte(`{"spec":{"podCIDR":"10.42.1.0/24","podCIDRs":["10.42.1.0/24"]}}`)
	if _, err := client.CoreV1().Nodes().Patch(ctx, "kite-sim-0", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var running *corev1.Pod
	poll(t, "pod running", func() string {
		running, _ = client.CoreV1().Pods("default").Get(ctx, "evicted", metav1.GetOptions{})
		if running.Status.Phase != corev1.PodRunning {
			return "phase " + string(running.Status.Phase)
		}
		return ""
	})

	running.Status.Conditions = append(running.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
		Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI"})
	running, err = client.CoreV1().Pods("default").UpdateStatus(ctx, running, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	if _, err := client.CoreV1().Pods("default").Update(ctx, running, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod failed", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "evicted", metav1.GetOptions{})
		cs := p.Status.ContainerStatuses
		if p.Status.Phase != corev1.PodFailed || len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.ExitCode != 137 || cs[0].Ready {
			return "phase " + string(p.Status.Phase)
		}
		var disrupted, ready bool
		for _, c := range p.Status.Conditions {
			disrupted = disrupted || c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue
			ready = ready || c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
		}
		if !disrupted || ready {
			return fmt.Sprintf("DisruptionTarget kept %v, still ready %v", disrupted, ready)
		}
		if !deleted.Load() {
			return "pod not deleted with grace 0 yet"
		}
		return ""
	})
}
