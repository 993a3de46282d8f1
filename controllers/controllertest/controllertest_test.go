package controllertest

import (
	"context"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// TestRun checks that the informers started by Run see the clientset's objects and
// that the controller's run function is stopped by the test's cleanup.
func TestRun(t *testing.T) {
	client := fake.NewClientset(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}})
	var stopped atomic.Bool
	t.Run("inner", func(t *testing.T) {
		f := informers.NewSharedInformerFactory(client, 0)
		pods := f.Core().V1().Pods()
		pods.Informer()
		Run(t, f, func(ctx context.Context) {
			<-ctx.Done()
			stopped.Store(true)
		})
		if !cache.WaitForCacheSync(t.Context().Done(), pods.Informer().HasSynced) {
			t.Fatal("informer never synced")
		}
		WaitFor(t, "pod a in the cache", func() string {
			if _, err := pods.Lister().Pods("ns").Get("a"); err != nil {
				return err.Error()
			}
			return ""
		})
		if stopped.Load() {
			t.Error("run stopped before the test ended")
		}
	})
	if !stopped.Load() {
		t.Error("run still going after the test's cleanup")
	}
}

// TestWaitForReturnsOnceTrue checks that WaitFor keeps polling until the condition
// holds.
func TestWaitForReturnsOnceTrue(t *testing.T) {
	calls := 0
	WaitFor(t, "third call", func() string {
		calls++
		if calls < 3 {
			return "not yet"
		}
		return ""
	})
	if calls != 3 {
		t.Errorf("condition called %d times, want 3", calls)
	}
}
