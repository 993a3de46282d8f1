package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

func TestNewChecksConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("New without a client: %v", err)
	}
	if _, err := New(Config{REST: &rest.Config{Host: "https://127.0.0.1:1"}, Client: fake.NewClientset()}); err == nil {
		t.Error("New with both REST and Client succeeded")
	}
	s, err := New(Config{REST: &rest.Config{Host: "https://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Identity(), "_") {
		t.Errorf("default identity %q is not hostname_uuid", s.Identity())
	}
}

// TestRunBindsAndStops runs the whole scheduler against a fake API: it takes the
// Lease, binds a pending pod through pods/binding, leaves another scheduler's pod
// alone, and on cancel stops every goroutine (TestMain checks) and releases the Lease.
func TestRunBindsAndStops(t *testing.T) {
	mine := pod("mine", requests("100m", ""))
	other := pod("other", func(p *corev1.Pod) { p.Spec.SchedulerName = "someone-else" })
	client := fake.NewClientset(node("n1"), mine, other)
	// The fake API does not implement pods/binding: do what the API server does.
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := a.(k8stesting.CreateAction).GetObject().(*corev1.Binding)
		obj, err := client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), b.Namespace, b.Name)
		if err != nil {
			return true, nil, err
		}
		p := obj.(*corev1.Pod).DeepCopy()
		p.Spec.NodeName = b.Target.Name
		return true, nil, client.Tracker().Update(corev1.SchemeGroupVersion.WithResource("pods"), p, b.Namespace)
	})
	s, err := New(Config{Client: client, Identity: "test-scheduler"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := client.CoreV1().Pods("default").Get(context.Background(), "mine", metav1.GetOptions{})
		if err == nil && p.Spec.NodeName == "n1" {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("pod not bound to n1 within 20s: %v %v", err, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lease, err := client.CoordinationV1().Leases(LeaseNamespace).Get(context.Background(), LeaseName, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != "test-scheduler" {
		t.Errorf("lease %v, %v: want held by test-scheduler", lease, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if p, _ := client.CoreV1().Pods("default").Get(context.Background(), "other", metav1.GetOptions{}); p.Spec.NodeName != "" {
		t.Errorf("another scheduler's pod was bound to %s", p.Spec.NodeName)
	}
	lease, err = client.CoordinationV1().Leases(LeaseNamespace).Get(context.Background(), LeaseName, metav1.GetOptions{})
	if err != nil || (lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "") {
		t.Errorf("lease not released on shutdown: %v %v", lease.Spec.HolderIdentity, err)
	}
}
