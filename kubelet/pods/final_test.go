package pods

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// A pod deleted while it runs ends Failed before its object goes, keeping the
// conditions others gave it: what a Job's pod failure policy reads of an evicted pod
// that its tracking finalizer keeps.
func TestDeletedPodEndsFailedBeforeItGoes(t *testing.T) {
	pod := newPod("evicted", corev1.RestartPolicyNever, busybox("main"))
	pod.Finalizers = []string{"batch.kubernetes.io/job-tracking"}
	client := fake.NewClientset(pod)
	// The finalizer keeps the object: the agent's delete is recorded, not done.
	deletes := make(chan struct{}, 100)
	client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		deletes <- struct{}{}
		return true, nil, nil
	})
	rt := newFakeRuntime()
	h := startWith(t, client, rt)
	running := h.until("ns1", "evicted", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not running: " + string(p.Status.Phase)
		}
		return ""
	})

	// What the Eviction API does: the condition, then the graceful deletion.
	running.Status.Conditions = append(running.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
		Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting"})
	running, err := client.CoreV1().Pods("ns1").UpdateStatus(context.Background(), running, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running.DeletionTimestamp = ptr.To(metav1.Now())
	running.DeletionGracePeriodSeconds = ptr.To[int64](1)
	if _, err := client.CoreV1().Pods("ns1").Update(context.Background(), running, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	h.until("ns1", "evicted", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodFailed {
			return "phase " + string(p.Status.Phase)
		}
		if len(p.Status.ContainerStatuses) != 1 {
			return "no container status"
		}
		if term := p.Status.ContainerStatuses[0].State.Terminated; term == nil || term.ExitCode != 137 {
			return "container not terminated with 137"
		}
		var disrupted, ready bool
		for _, c := range p.Status.Conditions {
			switch c.Type {
			case corev1.DisruptionTarget:
				disrupted = c.Status == corev1.ConditionTrue && c.Reason == "EvictionByEvictionAPI"
			case corev1.PodReady:
				ready = c.Status == corev1.ConditionTrue
			}
		}
		if !disrupted {
			return "DisruptionTarget condition lost"
		}
		if ready {
			return "still Ready"
		}
		return ""
	})
	select {
	case <-deletes:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent never deleted the pod object")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if sbs, ctrs := rt.counts(); sbs == 0 && ctrs == 0 {
			break
		}
		if time.Now().After(deadline) {
			sbs, ctrs := rt.counts()
			t.Fatalf("%d sandboxes, %d containers left after the deletion", sbs, ctrs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFinalPhase(t *testing.T) {
	term := func(code int32) corev1.ContainerStatus {
		return corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
	}
	waiting := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	for name, tc := range map[string]struct {
		st   corev1.PodStatus
		want corev1.PodPhase
	}{
		"already succeeded":     {corev1.PodStatus{Phase: corev1.PodSucceeded}, corev1.PodSucceeded},
		"all exited 0 (Always)": {corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{term(0), term(0)}}, corev1.PodSucceeded},
		"one killed":            {corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{term(0), term(137)}}, corev1.PodFailed},
		"never started":         {corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{waiting}}, corev1.PodFailed},
		"no statuses":           {corev1.PodStatus{Phase: corev1.PodPending}, corev1.PodFailed},
		"failed stays failed":   {corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{term(0)}}, corev1.PodFailed},
	} {
		if got := finalPhase(tc.st); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}
