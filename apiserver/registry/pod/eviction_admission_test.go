package pod

import (
	"context"
	"slices"
	"sync"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

// countingWebhooks records each admission call as "<operation> <name>[/<subresource>]".
type countingWebhooks struct {
	mu    sync.Mutex
	calls []string
}

func (w *countingWebhooks) record(a *registry.Attributes) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := string(a.Operation) + " " + a.Name
	if a.Subresource != "" {
		c += "/" + a.Subresource
	}
	w.calls = append(w.calls, c)
}

func (w *countingWebhooks) Mutate(_ context.Context, a *registry.Attributes) error {
	w.record(a)
	return nil
}

func (w *countingWebhooks) Validate(_ context.Context, a *registry.Attributes) error {
	w.record(a)
	return nil
}

func (w *countingWebhooks) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// An eviction's status update and delete of the pod are the eviction's own writes:
// upstream admits the eviction (CREATE pods/eviction, by the caller) and writes the
// pod through its storage, so the webhooks see no pods UPDATE or DELETE from it. A
// plain delete of another pod is still admitted.
func TestEvictionWritesAreNotAdmittedAgain(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	w := &countingWebhooks{}
	s, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme, Webhooks: w})
	if err != nil {
		t.Fatal(err)
	}
	a, err := EvictionAction(EvictionConfig{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"evicted", "other"} {
		p := runningPod(n)
		if n == "evicted" {
			// Kept by a finalizer, so that what the eviction wrote can be read back.
			p.Finalizers = []string{"example.com/keep"}
		}
		createPod(t, s, p)
		setRunning(t, s, n)
	}
	before := len(w.seen())

	if _, err := a.Create(ctx, "default", "evicted", &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "evicted"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := getPod(t, s, "evicted"); got.DeletionTimestamp == nil || disruptionTarget(got) == nil {
		t.Fatalf("the eviction did not mark and delete the pod: %v %+v", got.DeletionTimestamp, got.Status.Conditions)
	}
	if got := w.seen()[before:]; len(got) != 0 {
		t.Errorf("the eviction's own writes went to admission: %v", got)
	}

	// Only the evicted pod's writes are exempt, and only under the eviction.
	if _, _, err := s.Delete(ctx, "default", "other", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := w.seen()[before:], []string{"DELETE other", "DELETE other"}; !slices.Equal(got, want) {
		t.Errorf("a plain delete was admitted as %v, want %v", got, want)
	}
}
