package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// TestServerControllersStopWithIt runs `kite server` in the process until its
// controllers have acted (the default ServiceAccount exists, the Lease is held), then
// stops it: it must exit cleanly and promptly, and TestMain's leak check then finds no
// goroutine of the controller manager left.
func TestServerControllersStopWithIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kite-data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"server", "--data-dir", dir, "--bind-address", "127.0.0.1", "--secure-port", "0", "--disable-agent"},
			&stdout, &stderr, time.Now())
	}()
	poll := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			select {
			case code := <-exited:
				if cond() {
					// What we waited for happened just before the exit.
					exited <- code
					return
				}
				t.Fatalf("server exited %d while waiting for %s:\n%s", code, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s after 30s:\n%s", what, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	poll("ready report", func() bool { return strings.Contains(stderr.String(), "kite: ready in") })
	if !strings.Contains(stderr.String(), "kite: controller manager started as system:kube-controller-manager, identity ") {
		t.Errorf("start-up report lacks the controller manager:\n%s", stderr.String())
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.CloseIdleConnections()
	client, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	poll("default ServiceAccount", func() bool {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
	lease, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-controller-manager", metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatalf("controller-manager lease: %v %v", lease, err)
	}
	hc.CloseIdleConnections()

	cancel()
	// The manager stops first (the API server keeps serving until it has), promptly.
	stopped := time.Now()
	poll("controller manager stop", func() bool { return strings.Contains(stderr.String(), "controller manager stopped") })
	if d := time.Since(stopped); d > 20*time.Second {
		t.Errorf("controller manager took %s to stop", d)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("server exited %d after shutdown, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(5 * time.Minute):
		// Generous: the server's own shutdown also waits for the OpenAPI encoding begun
		// at start-up, which takes minutes under the race detector on a busy machine.
		t.Fatalf("server did not stop within 5m:\n%s", stderr.String())
	}
}
