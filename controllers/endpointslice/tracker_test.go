package endpointslice

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func rvSlice(uid, rv string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), ResourceVersion: rv}}
}

func TestTrackerStale(t *testing.T) {
	tr := NewTracker()
	if tr.Stale("ns/web", nil) {
		t.Fatal("nothing written, yet stale")
	}
	tr.Wrote("ns/web", rvSlice("a", "10"))
	for _, tc := range []struct {
		name string
		seen []*discoveryv1.EndpointSlice
		want bool
	}{
		{"created slice not seen yet", nil, true},
		{"seen at an older version", []*discoveryv1.EndpointSlice{rvSlice("a", "9")}, true},
		{"seen as written", []*discoveryv1.EndpointSlice{rvSlice("a", "10")}, false},
		{"seen newer (someone else wrote since)", []*discoveryv1.EndpointSlice{rvSlice("a", "12")}, false},
	} {
		if got := tr.Stale("ns/web", tc.seen); got != tc.want {
			t.Errorf("%s: stale %v, want %v", tc.name, got, tc.want)
		}
	}
	if tr.Stale("ns/other", nil) {
		t.Error("another owner's writes made this one stale")
	}

	tr.Deleted("ns/web", rvSlice("a", "10"))
	if !tr.Stale("ns/web", []*discoveryv1.EndpointSlice{rvSlice("a", "10")}) {
		t.Error("deleted slice still listed, but not stale")
	}
	if tr.Stale("ns/web", nil) {
		t.Error("deleted slice gone, yet stale")
	}

	// A slice written, then deleted by someone else: the informer's deletion clears it.
	tr.Wrote("ns/web", rvSlice("b", "20"))
	tr.Observed("ns/web", "b")
	tr.Forget("ns/web")
	if tr.Stale("ns/web", nil) {
		t.Error("stale after the slice's deletion was observed")
	}
}
