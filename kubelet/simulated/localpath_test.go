package simulated

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kite/kubelet/volumes"
)

// TestSimulatorFinishesLocalPathVolumes: a deleted local-path volume on a simulated
// node loses its clean-up finalizer (there is no directory to remove); one on another
// node keeps it.
func TestSimulatorFinishesLocalPathVolumes(t *testing.T) {
	volume := func(name, node string) *corev1.PersistentVolume {
		return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name, DeletionTimestamp: &metav1.Time{Time: time.Now()},
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": "kite.io/local-path", "kite.io/local-path-node": node},
			Finalizers:  []string{volumes.LocalPathFinalizer}},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased}}
	}
	client := fake.NewClientset(volume("pvc-sim", "kite-sim-0"), volume("pvc-real", "real-node"))
	s, err := New(Config{Client: client, Nodes: 1, HeartbeatInterval: time.Second})
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
	finalizers := func(name string) []string {
		pv, err := client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return pv.Finalizers
	}
	poll(t, "finalizer removed", func() string {
		if f := finalizers("pvc-sim"); len(f) != 0 {
			return fmt.Sprintf("finalizers %q", f)
		}
		return ""
	})
	if f := finalizers("pvc-real"); !slices.Equal(f, []string{volumes.LocalPathFinalizer}) {
		t.Errorf("another node's volume: finalizers %q", f)
	}
}
