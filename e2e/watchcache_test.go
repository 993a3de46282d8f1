package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// Lists and watches served by the watch cache, through client-go against the real
// binary: consistent reads see every write acknowledged before them (also writes to
// other resources), pages read one snapshot, selectors filter, watches resume from a
// list's revision, and a streaming list (sendInitialEvents) ends with its bookmark.
func TestWatchCacheListsAndWatches(t *testing.T) {
	_, kc := apiServer(t)
	cs := clientFor(t, kc)
	ctx := context.Background()
	ns := "kite-watchcache"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cms := cs.CoreV1().ConfigMaps(ns)
	// The cache starts with the first list; the writes after it reach it by its watch.
	if _, err := cms.List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%03d", i),
			Labels: map[string]string{"group": strconv.Itoa(i % 3)}}, Data: map[string]string{"i": strconv.Itoa(i)}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Only the test's own config maps count: controllers add their own (kube-root-ca.crt).
	mine := func(items []corev1.ConfigMap) (names []string) {
		for _, it := range items {
			if strings.HasPrefix(it.Name, "cm-") {
				names = append(names, it.Name)
			}
		}
		return names
	}
	rv := func(s string) int64 {
		t.Helper()
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("resourceVersion %q: %v", s, err)
		}
		return v
	}

	// A consistent list after a write to another resource is at least at that write.
	for i := range 5 {
		sec, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s%d", i)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := cms.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine(l.Items)) != n || rv(l.ResourceVersion) < rv(sec.ResourceVersion) {
			t.Fatalf("consistent list: %d items at %s, after a secret written at %s", len(mine(l.Items)), l.ResourceVersion, sec.ResourceVersion)
		}
	}
	// "0" is served from whatever the cache has: here, all of them.
	if l, err := cms.List(ctx, metav1.ListOptions{ResourceVersion: "0"}); err != nil || len(mine(l.Items)) != n {
		t.Fatalf("list at 0: %v", err)
	}
	// Pages of 50 from one snapshot, with a write between the pages (cm-between would
	// come last).
	var names []string
	opts := metav1.ListOptions{Limit: 50}
	for page := 0; ; page++ {
		l, err := cms.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if page == 0 && (l.RemainingItemCount == nil || *l.RemainingItemCount < n-50) {
			t.Fatalf("first page: remainingItemCount %v", l.RemainingItemCount)
		}
		names = append(names, mine(l.Items)...)
		if page == 0 {
			if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-between"}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	if len(names) != n || names[0] != "cm-000" || names[n-1] != fmt.Sprintf("cm-%03d", n-1) {
		t.Fatalf("paged list: %d names, %v … %v", len(names), names[:1], names[len(names)-1:])
	}
	// Label and field selectors.
	if l, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "group=1"}); err != nil || len(l.Items) != n/3 {
		t.Fatalf("label-selected list: %v", err)
	}
	if l, err := cms.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=cm-007"}); err != nil || len(l.Items) != 1 {
		t.Fatalf("field-selected list: %v", err)
	}

	// A watch from a list's revision sees the changes after it, in order.
	l, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "group=0"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: l.ResourceVersion, LabelSelector: "group=0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cur, err := cms.Get(ctx, "cm-000", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Data = map[string]string{"changed": "yes"}
	updated, err := cms.Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	moved := updated.DeepCopy()
	moved.Labels = map[string]string{"group": "1"} // leaves the watch's selection
	if _, err := cms.Update(ctx, moved, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "cm-003", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		typ  watch.EventType
		name string
	}{{watch.Modified, "cm-000"}, {watch.Deleted, "cm-000"}, {watch.Deleted, "cm-003"}} {
		select {
		case ev := <-w.ResultChan():
			if got, ok := ev.Object.(*corev1.ConfigMap); !ok || ev.Type != want.typ || got.Name != want.name {
				t.Fatalf("watch: %s %v, want %s %s", ev.Type, ev.Object, want.typ, want.name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s %s", want.typ, want.name)
		}
	}
	// A get at a revision the caller has seen never returns an older version.
	got, err := cms.Get(ctx, "cm-000", metav1.GetOptions{ResourceVersion: updated.ResourceVersion})
	if err != nil || rv(got.ResourceVersion) < rv(updated.ResourceVersion) {
		t.Fatalf("get at %s: %v %v", updated.ResourceVersion, got, err)
	}

	// A streaming list: every object as ADDED, then the bookmark that ends them.
	yes := true
	sw, err := cms.Watch(ctx, metav1.ListOptions{SendInitialEvents: &yes, AllowWatchBookmarks: true,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, LabelSelector: "group=2"})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Stop()
	added := 0
	for done := false; !done; {
		select {
		case ev := <-sw.ResultChan():
			switch {
			case ev.Type == watch.Added:
				added++
			case ev.Type == watch.Bookmark && ev.Object.(*corev1.ConfigMap).Annotations["k8s.io/initial-events-end"] == "true":
				done = true
			default:
				t.Fatalf("streaming list: unexpected %s", ev.Type)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("streaming list: %d ADDED and no end bookmark", added)
		}
	}
	if added != n/3 {
		t.Fatalf("streaming list: %d ADDED, want %d", added, n/3)
	}
}
