package e2e

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// --profiling (on by default, as kube-apiserver's) serves Go's profiles to
// authenticated clients; --profiling=false serves none.
func TestProfiling(t *testing.T) {
	_, kubeconfig := apiServer(t)
	c := clientFor(t, kubeconfig)
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /debug/pprof/: %v", err)
	}
	if !strings.Contains(string(body), "goroutine") {
		t.Errorf("/debug/pprof/ lists no goroutine profile:\n%s", body)
	}
	heap, err := c.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/heap").Param("debug", "1").DoRaw(context.Background())
	if err != nil || !strings.Contains(string(heap), "heap profile") {
		t.Errorf("GET /debug/pprof/heap?debug=1: %v\n%.200s", err, heap)
	}

	_, off := apiServer(t, "--profiling=false")
	_, err = clientFor(t, off).CoreV1().RESTClient().Get().AbsPath("/debug/pprof/").DoRaw(context.Background())
	if !apierrors.IsNotFound(err) {
		t.Errorf("with --profiling=false, GET /debug/pprof/ = %v, want 404", err)
	}
}
