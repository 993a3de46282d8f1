package claim

import (
	"context"
	"errors"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var rsKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

func owner(deleting bool) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "owner-uid"}}
	if deleting {
		rs.DeletionTimestamp = &metav1.Time{}
	}
	return rs
}

// pod is a candidate named name, selected when app is "web", controlled by
// controller (a uid) when it is not empty.
func pod(name, app string, controller types.UID, deleting bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name + "-uid"), Labels: map[string]string{"app": app}}}
	if controller != "" {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "x", UID: controller, Controller: &yes}}
	}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{}
	}
	return p
}

func TestObjects(t *testing.T) {
	gone := apierrors.NewNotFound(corev1.Resource("pods"), "p")
	boom := errors.New("boom")
	cases := []struct {
		name              string
		ownerDeleting     bool
		keepWhileDeleting bool
		pod               *corev1.Pod
		canAdopt          error
		adoptErr          error
		releaseErr        error
		wantOwned         bool
		wantAdopt         bool
		wantRelease       bool
		wantErr           error
	}{
		{name: "controlled and selected is kept", pod: pod("a", "web", "owner-uid", false), wantOwned: true},
		{name: "controlled and selected is kept while being deleted", pod: pod("a", "web", "owner-uid", true), wantOwned: true},
		{name: "controlled, not selected is released", pod: pod("a", "db", "owner-uid", false), wantRelease: true},
		{name: "release failure is reported", pod: pod("a", "db", "owner-uid", false), releaseErr: boom, wantRelease: true, wantErr: boom},
		{name: "owner being deleted does not release", ownerDeleting: true, pod: pod("a", "db", "owner-uid", false)},
		{name: "owner being deleted keeps unselected when asked", ownerDeleting: true, keepWhileDeleting: true, pod: pod("a", "db", "owner-uid", false), wantOwned: true},
		{name: "another controller's is left alone", pod: pod("a", "web", "other-uid", false)},
		{name: "selected orphan is adopted", pod: pod("a", "web", "", false), wantAdopt: true, wantOwned: true},
		{name: "orphan that is not selected is left alone", pod: pod("a", "db", "", false)},
		{name: "orphan being deleted is not adopted", pod: pod("a", "web", "", true)},
		{name: "owner being deleted adopts nothing", ownerDeleting: true, pod: pod("a", "web", "", false)},
		{name: "failed recheck stops the claim", pod: pod("a", "web", "", false), canAdopt: boom, wantErr: boom},
		{name: "orphan gone before adoption is skipped", pod: pod("a", "web", "", false), adoptErr: gone, wantAdopt: true},
		{name: "adopt failure is reported", pod: pod("a", "web", "", false), adoptErr: boom, wantAdopt: true, wantErr: boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var adopted, released bool
			owned, err := Objects(context.Background(), Config[*corev1.Pod]{
				Owner:    owner(tc.ownerDeleting),
				Match:    func(p *corev1.Pod) bool { return p.Labels["app"] == "web" },
				CanAdopt: func(context.Context) error { return tc.canAdopt },
				Adopt: func(_ context.Context, p *corev1.Pod) (*corev1.Pod, error) {
					adopted = true
					if tc.adoptErr != nil {
						return nil, tc.adoptErr
					}
					return p, nil
				},
				Release: func(context.Context, *corev1.Pod) error {
					released = true
					return tc.releaseErr
				},
				KeepWhileDeleting: tc.keepWhileDeleting,
			}, []*corev1.Pod{tc.pod})
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got := slices.Contains(owned, tc.pod); got != tc.wantOwned {
				t.Errorf("owned %v, want %v", got, tc.wantOwned)
			}
			if adopted != tc.wantAdopt {
				t.Errorf("adopt called %v, want %v", adopted, tc.wantAdopt)
			}
			if released != tc.wantRelease {
				t.Errorf("release called %v, want %v", released, tc.wantRelease)
			}
		})
	}
}

func TestObjectsKeepsGoingAfterFailures(t *testing.T) {
	pods := []*corev1.Pod{pod("a", "db", "owner-uid", false), pod("b", "web", "", false), pod("c", "web", "owner-uid", false)}
	owned, err := Objects(context.Background(), Config[*corev1.Pod]{
		Owner:    owner(false),
		Match:    func(p *corev1.Pod) bool { return p.Labels["app"] == "web" },
		CanAdopt: func(context.Context) error { return nil },
		Adopt: func(context.Context, *corev1.Pod) (*corev1.Pod, error) {
			return nil, errors.New("adopt b")
		},
		Release: func(context.Context, *corev1.Pod) error { return errors.New("release a") },
	}, pods)
	if err == nil || err.Error() != "release a\nadopt b" {
		t.Errorf("error %q, want both failures", err)
	}
	if len(owned) != 1 || owned[0].Name != "c" {
		t.Errorf("owned %v, want only c", owned)
	}
}
