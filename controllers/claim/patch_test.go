package claim

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestPatches(t *testing.T) {
	ref := *metav1.NewControllerRef(owner(false), rsKind)
	cases := []struct {
		name string
		got  func() ([]byte, error)
		want string
	}{
		{
			name: "adopt",
			got:  func() ([]byte, error) { return AdoptPatch(ref, "pod-uid", nil) },
			want: `{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"owner-uid","controller":true,"blockOwnerDeletion":true}],"uid":"pod-uid"}}`,
		},
		{
			name: "adopt with a finalizer",
			got: func() ([]byte, error) {
				return AdoptPatch(ref, "pod-uid", map[string]any{"finalizers": []string{"f"}})
			},
			want: `{"metadata":{"finalizers":["f"],"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"owner-uid","controller":true,"blockOwnerDeletion":true}],"uid":"pod-uid"}}`,
		},
		{
			name: "release",
			got:  func() ([]byte, error) { return ReleasePatch("owner-uid", "pod-uid") },
			want: `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"owner-uid"}],"uid":"pod-uid"}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("patch\n%s\nwant\n%s", b, tc.want)
			}
		})
	}
}

// TestAdopterReleaser applies the patches through a (fake) API server and checks the
// pod's owner references the way a user would read them.
func TestAdopterReleaser(t *testing.T) {
	ctx := context.Background()
	rs := owner(false)
	orphan := pod("a", "web", "", false)
	client := fake.NewClientset(orphan)
	pods := client.CoreV1().Pods("ns")

	adopted, err := Adopter(rs, rsKind, pods.Patch)(ctx, orphan)
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(adopted)
	if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Fatalf("after adopt, controller ref %+v, want the ReplicaSet blocking deletion", ref)
	}

	if err := Releaser(rs, pods.Patch)(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	released, err := pods.Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(released.OwnerReferences) != 0 {
		t.Errorf("after release, owner references %+v, want none", released.OwnerReferences)
	}

	// A pod that is gone needs no releasing.
	if err := Releaser(rs, pods.Patch)(ctx, pod("gone", "web", "owner-uid", false)); err != nil {
		t.Errorf("releasing a pod that is gone: %v", err)
	}
}

func TestIgnoreGone(t *testing.T) {
	gr := corev1.Resource("pods")
	cases := []struct {
		name string
		err  error
		kept bool
	}{
		{name: "nil", err: nil},
		{name: "not found", err: apierrors.NewNotFound(gr, "p")},
		{name: "invalid (uid guard)", err: apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Pod").GroupKind(), "p", nil)},
		{name: "conflict", err: apierrors.NewConflict(gr, "p", nil), kept: true},
		{name: "forbidden", err: apierrors.NewForbidden(gr, "p", nil), kept: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IgnoreGone(tc.err); (got != nil) != tc.kept {
				t.Errorf("IgnoreGone(%v) = %v, kept want %v", tc.err, got, tc.kept)
			}
		})
	}
}
