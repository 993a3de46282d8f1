package endpointslice

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

func managedSlice(name, managedBy, service string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name),
		ResourceVersion: "5", Labels: map[string]string{discoveryv1.LabelManagedBy: managedBy, discoveryv1.LabelServiceName: service}}}
}

func TestSliceEventsQueueTheOwnerOfOwnSlicesOnly(t *testing.T) {
	var queued []string
	h := NewTracker().SliceEvents(ControllerName, func(key string) { queued = append(queued, key) })
	own := managedSlice("web-abc", ControllerName, "web")
	h.OnAdd(own, false)
	h.OnUpdate(own, own)
	h.OnDelete(own)
	h.OnAdd(managedSlice("other-abc", "someone-else", "other"), false)
	h.OnAdd(managedSlice("nameless", ControllerName, ""), false)
	h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/web-def", Obj: managedSlice("web-def", ControllerName, "web")})
	want := []string{"ns/web", "ns/web", "ns/web", "ns/web"}
	if len(queued) != len(want) {
		t.Fatalf("queued %v, want %v", queued, want)
	}
	for i := range want {
		if queued[i] != want[i] {
			t.Fatalf("queued %v, want %v", queued, want)
		}
	}
}

func TestSliceEventsDeletionEndsTheWaitForIt(t *testing.T) {
	tr := NewTracker()
	s := managedSlice("web-abc", ControllerName, "web")
	tr.Deleted("ns/web", s)
	if !tr.Stale("ns/web", []*discoveryv1.EndpointSlice{s}) {
		t.Fatal("a deleted slice still in the cache should make the view stale")
	}
	// The deletion arrives as a missed one: the tracker must hear of it all the same.
	tr.SliceEvents(ControllerName, func(string) {}).OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/web-abc", Obj: s})
	// With the deletion observed nothing more is expected of the slice: even a view
	// that still shows it is trusted.
	if tr.Stale("ns/web", []*discoveryv1.EndpointSlice{s}) {
		t.Fatal("the tracker still waits for a deletion it was told of")
	}
}
