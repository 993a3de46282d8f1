package kubelet

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestAwaitPodCIDRWaitsForTheController(t *testing.T) {
	client := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan *corev1.Node, 1)
	go func() {
		n, err := awaitPodCIDR(ctx, client, "n1", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Error(err)
		}
		got <- n
	}()
	// The controller assigns a range; the waiter returns the Node with it.
	n, err := client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.42.7.0/24", []string{"10.42.7.0/24"}
	if _, err := client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := <-got; n == nil || n.Spec.PodCIDR != "10.42.7.0/24" {
		t.Fatalf("awaitPodCIDR returned %v", n)
	}

	// Without one it waits until the context ends.
	client = fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}})
	short, cancelShort := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancelShort()
	if _, err := awaitPodCIDR(short, client, "n2", slog.New(slog.DiscardHandler)); err == nil {
		t.Error("awaitPodCIDR returned without a pod CIDR")
	}
}
