package history

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

var parentKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

func parent() *appsv1.StatefulSet {
	return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web"}}
}

func TestHashIsStableAndSeparatesDataAndCollisions(t *testing.T) {
	a := Hash([]byte(`{"a":1}`), nil)
	if a != Hash([]byte(`{"a":1}`), nil) {
		t.Fatal("same data, different hashes")
	}
	if a == Hash([]byte(`{"a":2}`), nil) {
		t.Fatal("different data, same hash")
	}
	zero, one := Hash([]byte(`{"a":1}`), ptr.To[int32](0)), Hash([]byte(`{"a":1}`), ptr.To[int32](1))
	if zero == one || zero == a {
		t.Fatalf("collision counts do not change the hash: nil %s, 0 %s, 1 %s", a, zero, one)
	}
	// The safe alphabet has no vowels, so no name spells a word.
	if strings.ContainsAny(a+zero+one, "aeiou013") {
		t.Fatalf("hash outside the safe alphabet: %s %s %s", a, zero, one)
	}
	if got := Name(strings.Repeat("x", 300), "h"); len(got) != 225 || !strings.HasSuffix(got, "x-h") {
		t.Fatalf("long prefix: %d bytes %q", len(got), got[len(got)-5:])
	}
}

func TestNewRevision(t *testing.T) {
	r := NewRevision(parent(), parentKind, map[string]string{"app": "web"}, []byte(`{"x":1}`), 3, ptr.To[int32](0))
	hash := Hash([]byte(`{"x":1}`), ptr.To[int32](0))
	ref := metav1.GetControllerOf(r)
	if r.Name != "web-"+hash || r.Namespace != "default" || r.Labels["app"] != "web" || r.Labels[HashLabel] != hash ||
		r.Revision != 3 || ref == nil || ref.UID != "uid-web" || ref.Kind != "StatefulSet" {
		t.Fatalf("revision %+v", r.ObjectMeta)
	}
}

func rev(name string, n int64, data string) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name}, Revision: n, Data: runtime.RawExtension{Raw: []byte(data)}}
}

func names(revs []*appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Name)
	}
	return out
}

func TestSortNextEqualAndSurplus(t *testing.T) {
	revs := []*appsv1.ControllerRevision{rev("c", 3, "C"), rev("a", 1, "A"), rev("b", 2, "B"), rev("d", 4, "A")}
	Sort(revs)
	if got := names(revs); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("sorted %v", got)
	}
	if Next(revs) != 5 || Next(nil) != 1 {
		t.Fatalf("next %d, %d", Next(revs), Next(nil))
	}
	if got := names(FindEqual(revs, rev("x", 9, "A"))); !slices.Equal(got, []string{"a", "d"}) {
		t.Fatalf("equal to A: %v", got)
	}
	// Live revisions are never surplus; the oldest others go first.
	live := map[string]bool{"a": true, "d": true}
	for limit, want := range map[int][]string{0: {"b", "c"}, 1: {"b"}, 2: nil, 5: nil} {
		if got := names(Surplus(revs, live, limit)); !slices.Equal(got, want) {
			t.Errorf("limit %d: surplus %v, want %v", limit, got, want)
		}
	}
}

func TestCreateHandlesNameCollisions(t *testing.T) {
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	h, err := New(Config{Client: client, Lister: f.Apps().V1().ControllerRevisions().Lister()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := parent()
	collisions := int32(0)
	want := NewRevision(p, parentKind, nil, []byte(`{"mine":1}`), 1, &collisions)
	// Someone else's data already sits under the name this revision hashes to.
	squatter := want.DeepCopy()
	squatter.Data.Raw = []byte(`{"other":1}`)
	if _, err := client.AppsV1().ControllerRevisions("default").Create(ctx, squatter, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Create(ctx, p, want, &collisions)
	if err != nil {
		t.Fatal(err)
	}
	if collisions != 1 || got.Name != Name("web", Hash([]byte(`{"mine":1}`), ptr.To[int32](1))) || got.Labels[HashLabel] == squatter.Labels[HashLabel] {
		t.Fatalf("after a collision: count %d, name %s", collisions, got.Name)
	}
	// The same data again finds the stored revision instead of making another.
	again, err := h.Create(ctx, p, want, &collisions)
	if err != nil || again.Name != got.Name || collisions != 1 {
		t.Fatalf("second create: %v, %s, count %d", err, again.Name, collisions)
	}
	list, _ := client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
	if len(list.Items) != 2 {
		t.Fatalf("%d revisions stored, want 2", len(list.Items))
	}
	renumbered, err := h.Renumber(ctx, got, 7)
	if err != nil || renumbered.Revision != 7 {
		t.Fatalf("renumber: %v %v", err, renumbered)
	}
	if err := h.Delete(ctx, renumbered); err != nil {
		t.Fatal(err)
	}
	list, _ = client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
	if fmt.Sprint(len(list.Items)) != "1" {
		t.Fatalf("%d revisions after delete, want 1", len(list.Items))
	}
}
