package serviceaccount

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// run starts the controller over a fake clientset holding objs and returns the client;
// everything stops when the test ends.
func run(t *testing.T, objs ...*corev1.Namespace) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset()
	for _, o := range objs {
		if err := client.Tracker().Add(o); err != nil {
			t.Fatal(err)
		}
	}
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Namespaces: f.Core().V1().Namespaces(), ServiceAccounts: f.Core().V1().ServiceAccounts()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.Start(ctx.Done())
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Shutdown()
	})
	return client
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func active(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
}

func hasDefault(client *fake.Clientset, ns string) func() bool {
	return func() bool {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(context.Background(), DefaultName, metav1.GetOptions{})
		return err == nil
	}
}

func TestDefaultServiceAccountIsCreatedAndRecreated(t *testing.T) {
	client := run(t, active("a"))
	waitFor(t, "default in a namespace that existed at start", hasDefault(client, "a"))

	if _, err := client.CoreV1().Namespaces().Create(context.Background(), active("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "default in a new namespace", hasDefault(client, "b"))

	if err := client.CoreV1().ServiceAccounts("b").Delete(context.Background(), DefaultName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "default recreated", hasDefault(client, "b"))
}

func TestTerminatingNamespaceGetsNothing(t *testing.T) {
	now := metav1.Now()
	terminating := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "going", DeletionTimestamp: &now},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
	// An active namespace is the witness that the controller has done a pass.
	client := run(t, terminating, active("witness"))
	waitFor(t, "default in the witness namespace", hasDefault(client, "witness"))
	if _, err := client.CoreV1().ServiceAccounts("going").Get(context.Background(), DefaultName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ServiceAccount in a terminating namespace: %v, want NotFound", err)
	}
}
