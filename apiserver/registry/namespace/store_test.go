package namespace

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// newStore serves Resource() from a memory store, as the API server will.
func newStore(t *testing.T) *registry.Store {
	t.Helper()
	return registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	in := ns("team-a")
	in.Status.Phase = corev1.NamespaceTerminating
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*corev1.Namespace)
	if created.Status.Phase != corev1.NamespaceActive || !slices.Equal(created.Spec.Finalizers, []corev1.FinalizerName{"kubernetes"}) ||
		created.Labels[corev1.LabelMetadataName] != "team-a" {
		t.Errorf("created %+v", created)
	}

	// Namespace names are DNS labels: no dots.
	_, err = s.Create(ctx, "", ns("team.a"), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("causes %v", got)
	}

	// An update of the namespace cannot drop the finalizer or the name label.
	upd := created.DeepCopy()
	upd.Spec.Finalizers = nil
	upd.Labels = map[string]string{"team": "a"}
	out, err = s.Update(ctx, "", "team-a", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	updated := out.(*corev1.Namespace)
	if len(updated.Spec.Finalizers) != 1 || updated.Labels[corev1.LabelMetadataName] != "team-a" || updated.Labels["team"] != "a" {
		t.Errorf("updated %+v", updated)
	}

	// A live namespace cannot be marked Terminating through status.
	st := updated.DeepCopy()
	st.Status.Phase = corev1.NamespaceTerminating
	_, err = s.Update(ctx, "", "team-a", st, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.Phase"}) {
		t.Errorf("causes %v", got)
	}
}

// Deleting a namespace makes it Terminating; it goes once the finalize subresource has
// emptied spec.finalizers, as with upstream's namespace controller.
func TestDeleteWaitsForSpecFinalizers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.Create(ctx, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, deleted, err := s.Delete(ctx, "", "doomed", metav1.DeleteOptions{})
	if err != nil || deleted {
		t.Fatalf("delete: deleted=%v err=%v", deleted, err)
	}
	ns := out.(*corev1.Namespace)
	if ns.Status.Phase != corev1.NamespaceTerminating || ns.DeletionTimestamp == nil {
		t.Fatalf("after delete: phase %q, deletionTimestamp %v", ns.Status.Phase, ns.DeletionTimestamp)
	}
	got, err := s.Get(ctx, "", "doomed", metav1.GetOptions{})
	if err != nil || got.(*corev1.Namespace).Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("stored namespace: %v, %v", got, err)
	}
	ns = got.(*corev1.Namespace)
	ns.Spec.Finalizers = nil
	if _, err := s.Update(ctx, "", "doomed", ns, metav1.UpdateOptions{}, "finalize"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "", "doomed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace still there after finalize: %v", err)
	}
}
