package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"kite/storage"
	"kite/storage/memory"
)

// The cache's goroutine ends when its store closes; so does every watcher.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitLimit bounds every wait of these tests; events normally come in milliseconds.
const waitLimit = 10 * time.Second

// newStoreOn serves config maps (or, with secrets, secrets) from st.
func newStoreOn(t *testing.T, st storage.Interface, secrets bool) *Store {
	t.Helper()
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	res := &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
		New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
		Strategy: cmStrategy{}}
	if secrets {
		res = &Resource{Version: "v1", Resource: "secrets", Kind: "Secret", SingularName: "secret", Namespaced: true,
			New: func() runtime.Object { return &corev1.Secret{} }, NewList: func() runtime.Object { return &corev1.SecretList{} },
			Strategy: cacheSecretStrategy{}}
	}
	s, err := NewStore(StoreConfig{Resource: res, Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type cacheSecretStrategy struct{ cmStrategy }

func (cacheSecretStrategy) Validate(context.Context, runtime.Object) field.ErrorList { return nil }
func (cacheSecretStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// recorder collects what a watch delivers until the differential test's end marker.
type recorder struct {
	done   chan struct{}
	events []string
}

func record(w watch.Interface) *recorder {
	r := &recorder{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range w.ResultChan() {
			r.events = append(r.events, string(ev.Type)+" "+seen(ev.Object))
			if cm, ok := ev.Object.(*corev1.ConfigMap); ok && ev.Type == watch.Added && cm.Data["end"] == "yes" {
				return
			}
		}
	}()
	return r
}

func (r *recorder) wait(t *testing.T) []string {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(waitLimit):
		t.Fatal("a watch did not see the end marker")
	}
	return r.events
}

// withCache gives s a cache made with cfg's test knobs, before anything uses it.
func withCache(s *Store, adjust func(*cacheConfig)) {
	s.watchCacheOnce.Do(func() {
		cfg := cacheConfig{storage: s.cfg.Storage, prefix: s.prefix(""), decode: s.decode, logger: discardLogger()}
		adjust(&cfg)
		s.watchCache = newCache(cfg)
	})
}

// storeWatch is a watch served by the store alone, to compare the cache's with.
func (s *Store) storeWatch(ctx context.Context, namespace string, opts metav1.ListOptions) watch.Interface {
	sel, err := s.parseSelection(opts)
	if err != nil {
		panic(err)
	}
	from, _ := strconv.ParseInt(opts.ResourceVersion, 10, 64)
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{store: s, sel: sel, prefix: s.prefix(namespace), opts: opts, out: make(chan watch.Event), cancel: cancel}
	go func() {
		defer close(w.out)
		defer cancel()
		w.fromStore(ctx, from, false)
	}()
	return w
}

// seen is what a client sees of a list item or watch event.
func seen(obj runtime.Object) string {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return fmt.Sprintf("%T", obj)
	}
	return fmt.Sprintf("%s/%s@%s%v%v", cm.Namespace, cm.Name, cm.ResourceVersion, cm.Labels, cm.Data)
}

func listSeen(t *testing.T, l runtime.Object) (items []string, rv, cont string) {
	t.Helper()
	cl := l.(*corev1.ConfigMapList)
	for i := range cl.Items {
		items = append(items, seen(&cl.Items[i]))
	}
	return items, cl.ResourceVersion, cl.Continue
}

// collect reads n events from w.
func collect(t *testing.T, w watch.Interface, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch ended after %d events: %v", len(out), out)
			}
			out = append(out, string(ev.Type)+" "+seen(ev.Object))
		case <-time.After(waitLimit):
			t.Fatalf("%d events in time, want %d: %v", len(out), n, out)
		}
	}
	return out
}

// A randomized differential test: random writes, and after each batch the lists and
// watches the cache serves equal those the store serves, item for item.
func TestCacheAnswersAsTheStore(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	withCache(s, func(c *cacheConfig) { c.windowMax = 32 })

	watchOpts := []metav1.ListOptions{{}, {LabelSelector: "color=red"}, {FieldSelector: "metadata.name=cm3"}}
	var cached, direct []*recorder
	start := func(from string) {
		for _, o := range watchOpts {
			o.ResourceVersion = from
			for _, ns := range []string{"", "a"} {
				w, err := s.Watch(ctx, ns, o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(w.Stop)
				cached = append(cached, record(w))
				dw := s.storeWatch(ctx, ns, o)
				t.Cleanup(dw.Stop)
				direct = append(direct, record(dw))
			}
		}
	}
	// A first object, so that the watches' start is a revision, not "0".
	if _, err := s.Create(ctx, "c", cm("cm0", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first, err := s.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, rv0, _ := listSeen(t, first)
	start(rv0)

	write := func() {
		ns := []string{"a", "b", "c"}[rng.IntN(3)]
		name := fmt.Sprintf("cm%d", rng.IntN(12))
		labels := map[string]string{"color": []string{"red", "blue"}[rng.IntN(2)]}
		switch rng.IntN(3) {
		case 0:
			_, err := s.Create(ctx, ns, cm(name, labels, map[string]string{"n": strconv.Itoa(rng.IntN(100))}), metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
		case 1:
			cur, err := s.Get(ctx, ns, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := cur.(*corev1.ConfigMap).DeepCopy()
			c.Labels = labels
			c.Data = map[string]string{"n": strconv.Itoa(rng.IntN(100))}
			if _, err := s.Update(ctx, ns, name, c, metav1.UpdateOptions{}, ""); err != nil {
				t.Fatal(err)
			}
		case 2:
			if _, _, err := s.Delete(ctx, ns, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
		}
	}
	listOpts := []metav1.ListOptions{{}, {LabelSelector: "color=red"}, {FieldSelector: "metadata.name=cm3"}, {Limit: 4}, {Limit: 3, LabelSelector: "color=blue"}}
	compareLists := func() {
		t.Helper()
		for _, o := range listOpts {
			for _, ns := range []string{"", "a"} {
				var fromCache, fromStore []string
				var rvCache, rvStore string
				for opts := o; ; {
					l, err := s.List(ctx, ns, opts)
					if err != nil {
						t.Fatal(err)
					}
					items, rv, cont := listSeen(t, l)
					fromCache, rvCache = append(fromCache, items...), rv
					if cont == "" {
						break
					}
					opts.Continue = cont
					write() // the pages read one snapshot whatever happens meanwhile
				}
				sel, _ := s.parseSelection(o)
				for opts := o; ; {
					opts.ResourceVersion, opts.ResourceVersionMatch = "", ""
					if opts.Continue == "" {
						opts.ResourceVersion, opts.ResourceVersionMatch = rvCache, metav1.ResourceVersionMatchExact
					}
					l, err := s.listFromStore(ctx, s.prefix(ns), sel, opts)
					if err != nil {
						t.Fatal(err)
					}
					items, rv, cont := listSeen(t, l)
					fromStore, rvStore = append(fromStore, items...), rv
					if cont == "" {
						break
					}
					opts.Continue = cont
				}
				if rvCache != rvStore || !reflect.DeepEqual(fromCache, fromStore) {
					t.Fatalf("list %q %+v:\ncache at %s: %v\nstore at %s: %v", ns, o, rvCache, fromCache, rvStore, fromStore)
				}
			}
		}
	}
	for i := range 12 {
		for range 1 + rng.IntN(40) {
			write()
		}
		compareLists()
		if i == 5 {
			l, err := s.List(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				t.Fatal(err)
			}
			_, rv, _ := listSeen(t, l)
			start(rv)
		}
	}
	// A watch from a revision at the start, now older than the cache's window: the store
	// answers it, and so the same.
	start(rv0)
	// Every watch must have seen exactly the changes up to now: mark the end with a
	// write to every object a watch may select, then compare what each saw.
	marker := cm("cm3", map[string]string{"color": "red"}, map[string]string{"end": "yes"})
	if _, _, err := s.Delete(ctx, "a", "cm3", metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "a", marker, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range cached {
		want := direct[i].wait(t)
		got := cached[i].wait(t)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("watch %d:\ncache: %v\nstore: %v", i, got, want)
		}
	}
}

// A consistent list waits until the cache has caught up with the store, even when the
// newest write was to another resource.
func TestCacheConsistentListAfterOtherWrites(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	cms, secrets := newStoreOn(t, st, false), newStoreOn(t, st, true)
	if _, err := cms.List(ctx, "", metav1.ListOptions{}); err != nil { // starts the cache
		t.Fatal(err)
	}
	for i := range 20 {
		created, err := secrets.Create(ctx, "a", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s%d", i)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := cms.List(ctx, "", metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := l.(*corev1.ConfigMapList).ResourceVersion, created.(*corev1.Secret).ResourceVersion; got != want {
			t.Fatalf("consistent list at %s after a write at %s", got, want)
		}
		// Read your own write, from the cache.
		c, err := cms.Create(ctx, "a", cm(fmt.Sprintf("c%d", i), nil, nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l, err = cms.List(ctx, "a", metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		items := l.(*corev1.ConfigMapList).Items
		found := false
		for _, it := range items {
			found = found || it.Name == fmt.Sprintf("c%d", i) && it.ResourceVersion == c.(*corev1.ConfigMap).ResourceVersion
		}
		if len(items) != i+1 || !found {
			t.Fatalf("list after creating c%d: %v", i, items)
		}
		// A get at "0" may be served from the cache; it never returns a version older
		// than one the caller has seen.
		got, err := cms.Get(ctx, "a", fmt.Sprintf("c%d", i), metav1.GetOptions{ResourceVersion: c.(*corev1.ConfigMap).ResourceVersion})
		if err != nil || got.(*corev1.ConfigMap).ResourceVersion != c.(*corev1.ConfigMap).ResourceVersion {
			t.Fatalf("get at %s: %v %v", c.(*corev1.ConfigMap).ResourceVersion, got, err)
		}
	}
	_, err := cms.Get(ctx, "a", "nope", metav1.GetOptions{ResourceVersion: "0"})
	wantStatus(t, err, 404, metav1.StatusReasonNotFound)
	// Exact reads and malformed requests answer as the store does.
	l, err := cms.List(ctx, "a", metav1.ListOptions{ResourceVersion: "22", ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if err != nil || len(l.(*corev1.ConfigMapList).Items) != 11 || l.(*corev1.ConfigMapList).ResourceVersion != "22" {
		t.Fatalf("exact list at 22: %v %v", l, err)
	}
	_, err = cms.List(ctx, "a", metav1.ListOptions{ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	_, err = cms.List(ctx, "a", metav1.ListOptions{ResourceVersion: "x"})
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
}

// A watcher that falls out of the cache's window (a slow client) goes on from the
// store's history without losing or repeating a change.
func TestCacheSlowWatcherMovesToTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	withCache(s, func(c *cacheConfig) { c.windowMax = 16 })
	created, err := s.Create(ctx, "a", cm("x", nil, nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "a", metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if got := collect(t, w, 1); got[0] != "ADDED "+seen(created) {
		t.Fatalf("initial event %v", got)
	}
	var want []string
	cur := created.(*corev1.ConfigMap)
	for i := range 100 {
		c := cur.DeepCopy()
		c.Data = map[string]string{"i": strconv.Itoa(i)}
		out, err := s.Update(ctx, "a", "x", c, metav1.UpdateOptions{}, "")
		if err != nil {
			t.Fatal(err)
		}
		cur = out.(*corev1.ConfigMap)
		want = append(want, "MODIFIED "+seen(cur))
	}
	if got := collect(t, w, 100); !reflect.DeepEqual(got, want) {
		t.Fatalf("slow watcher saw\n%v\nwant\n%v", got, want)
	}
	// And it follows new changes after the move.
	if _, _, err := s.Delete(ctx, "a", "x", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, w, 1); got[0][:len("DELETED")] != "DELETED" {
		t.Fatalf("after the move: %v", got)
	}
}

// A resume inside the window is the cache's; one the store has compacted is 410
// Expired, as the store would answer.
func TestCacheResumeAndCompaction(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	if _, err := s.List(ctx, "", metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	var objs []runtime.Object
	for i := range 5 {
		o, err := s.Create(ctx, "a", cm(fmt.Sprintf("c%d", i), nil, nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	w, err := s.Watch(ctx, "", metav1.ListOptions{ResourceVersion: "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	want := []string{"ADDED " + seen(objs[2]), "ADDED " + seen(objs[3]), "ADDED " + seen(objs[4])}
	if got := collect(t, w, 3); !reflect.DeepEqual(got, want) {
		t.Fatalf("resume from 2: %v, want %v", got, want)
	}
	if err := st.Compact(ctx, 4); err != nil {
		t.Fatal(err)
	}
	old, err := s.Watch(ctx, "", metav1.ListOptions{ResourceVersion: "2"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Stop()
	select {
	case ev := <-old.ResultChan():
		if st, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
			t.Fatalf("resume from a compacted revision: %+v", ev)
		}
	case <-time.After(waitLimit):
		t.Fatal("no answer")
	}
}

// Paged lists read the snapshot their first page was served from while the cache
// keeps it, and the store's history after that; a continue token the store has
// compacted is 410 Expired.
func TestCacheContinueTokens(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	withCache(s, func(c *cacheConfig) {
		c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	for i := range 6 {
		if _, err := s.Create(ctx, "a", cm(fmt.Sprintf("c%d", i), nil, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	page := func(cont string) ([]string, string, *int64) {
		t.Helper()
		l, err := s.List(ctx, "a", metav1.ListOptions{Limit: 2, Continue: cont})
		if err != nil {
			t.Fatal(err)
		}
		cl := l.(*corev1.ConfigMapList)
		var names []string
		for _, it := range cl.Items {
			names = append(names, it.Name)
		}
		return names, cl.Continue, cl.RemainingItemCount
	}
	p1, cont, left := page("")
	if fmt.Sprint(p1) != "[c0 c1]" || left == nil || *left != 4 {
		t.Fatalf("first page %v, remaining %v", p1, left)
	}
	if _, _, err := s.Delete(ctx, "a", "c2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p2, cont2, _ := page(cont)
	advance(keptFor + time.Second) // the snapshot expires: the store answers
	p3, cont3, _ := page(cont2)
	if fmt.Sprint(p2, p3) != "[c2 c3] [c4 c5]" || cont3 != "" {
		t.Fatalf("later pages %v %v %q", p2, p3, cont3)
	}
	_, cont, _ = page("")
	advance(keptFor + time.Second)
	if _, err := s.Create(ctx, "a", cm("c9", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(ctx, 8); err != nil {
		t.Fatal(err)
	}
	_, err := s.List(ctx, "a", metav1.ListOptions{Limit: 2, Continue: cont})
	wantStatus(t, err, 410, metav1.StatusReasonExpired)
}

// A snapshot kept alive by a client paging now and then still expires once the store
// compacts its revision, as the list would without the cache.
func TestCacheContinueExpiresWithCompaction(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	for i := range 4 {
		if _, err := s.Create(ctx, "a", cm(fmt.Sprintf("c%d", i), nil, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.List(ctx, "a", metav1.ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	cont := l.(*corev1.ConfigMapList).Continue
	if _, err := s.Create(ctx, "a", cm("c9", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A consistent list: the cache has applied the create, so the compaction below is
	// behind its store watch and does not restart it (which would drop the snapshots).
	if _, err := s.List(ctx, "a", metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx, "a", metav1.ListOptions{Limit: 2, Continue: cont}); err != nil {
		t.Fatalf("the kept snapshot before compaction: %v", err)
	}
	rev, err := st.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	_, err = s.List(ctx, "a", metav1.ListOptions{Limit: 2, Continue: cont})
	wantStatus(t, err, 410, metav1.StatusReasonExpired)

	// The 410 offers a token that goes on from the same key at the newest revision.
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().ListMeta.Continue == "" {
		t.Fatalf("the 410 carries no continue token: %v", err)
	}
	l, err = s.List(ctx, "a", metav1.ListOptions{Limit: 2, Continue: status.Status().ListMeta.Continue})
	if err != nil {
		t.Fatal(err)
	}
	page := l.(*corev1.ConfigMapList)
	var names []string
	for _, it := range page.Items {
		names = append(names, it.Name)
	}
	listRV, next, left := page.ResourceVersion, page.Continue, page.RemainingItemCount
	if fmt.Sprint(names) != "[c2 c3]" || listRV != fmt.Sprint(rev) || next == "" || left == nil || *left != 1 {
		t.Errorf("inconsistent page: %v at %s, continue %q, remaining %v", names, listRV, next, left)
	}
}

// Bookmarks come at the revision the store has reached, though nothing the watch
// selects changed; with sendInitialEvents the initial events end with one.
func TestCacheBookmarks(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	cms, secrets := newStoreOn(t, st, false), newStoreOn(t, st, true)
	cms.bookmarkEvery = 20 * time.Millisecond
	if _, err := cms.Create(ctx, "a", cm("x", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	w, err := cms.Watch(ctx, "a", metav1.ListOptions{SendInitialEvents: &yes, AllowWatchBookmarks: true,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := <-w.ResultChan()
	if ev.Type != watch.Added {
		t.Fatalf("first event %+v", ev)
	}
	ev = <-w.ResultChan()
	if acc := ev.Object.(*corev1.ConfigMap); ev.Type != watch.Bookmark || acc.Annotations[initialEventsEndAnnotation] != "true" || acc.ResourceVersion != "1" {
		t.Fatalf("end of initial events: %+v", ev)
	}
	created, err := secrets.Create(ctx, "a", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(waitLimit)
	for {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Bookmark {
				t.Fatalf("unexpected %+v", ev)
			}
			if ev.Object.(*corev1.ConfigMap).ResourceVersion == created.(*corev1.Secret).ResourceVersion {
				return
			}
		case <-deadline:
			t.Fatal("no bookmark at the secret's revision")
		}
	}
}

// restartingStorage makes the first store watch of the cache end with ErrCompacted
// after a few events, as a store watch that fell behind compacted history does.
type restartingStorage struct {
	storage.Interface
	mu      sync.Mutex
	watches int
}

func (r *restartingStorage) Watch(ctx context.Context, prefix string, from int64) (storage.Watcher, error) {
	r.mu.Lock()
	r.watches++
	n := r.watches
	r.mu.Unlock()
	w, err := r.Interface.Watch(ctx, prefix, from)
	if err != nil || n != 1 {
		return w, err
	}
	return newFailingWatcher(w, 3), nil
}

type failingWatcher struct {
	storage.Watcher
	out chan storage.Event
}

func newFailingWatcher(w storage.Watcher, after int) *failingWatcher {
	f := &failingWatcher{Watcher: w, out: make(chan storage.Event)}
	go func() {
		defer close(f.out)
		defer w.Stop()
		n := 0
		for ev := range w.Events() {
			if ev.Type != storage.EventProgress {
				if n == after {
					return
				}
				n++
			}
			f.out <- ev
		}
	}()
	return f
}

func (f *failingWatcher) Events() <-chan storage.Event { return f.out }
func (f *failingWatcher) Err() error                   { return &storage.CompactedError{Requested: 1, Compacted: 2} }

// When its store watch fails, the cache starts again from a fresh list, and watchers
// reading it move to the store without losing a change.
func TestCacheRestartsAfterItsWatchFails(t *testing.T) {
	ctx := context.Background()
	mem := memory.New(memory.Config{})
	t.Cleanup(func() { _ = mem.Close() })
	st := &restartingStorage{Interface: mem}
	s := newStoreOn(t, st, false)
	withCache(s, func(c *cacheConfig) { c.logger = discardLogger() })
	if _, err := s.List(ctx, "", metav1.ListOptions{}); err != nil { // the cache is running
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var want []string
	for i := range 8 {
		o, err := s.Create(ctx, "a", cm(fmt.Sprintf("c%d", i), nil, nil), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, "ADDED "+seen(o))
	}
	if got := collect(t, w, 8); !reflect.DeepEqual(got, want) {
		t.Fatalf("across the restart: %v, want %v", got, want)
	}
	l, err := s.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items, rv, _ := listSeen(t, l); len(items) != 8 || rv != "8" {
		t.Fatalf("list after the restart: %v at %s", items, rv)
	}
	waitFor(t, "the cache to start again", func() bool {
		c := s.cacher()
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.ready && c.gen == 2
	})
}

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// A value the cache cannot decode makes it fail to start: lists go to the store at
// once (and get its 500), and the cache starts once the value is gone.
func TestCacheThatCannotStartLeavesListsToTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	withCache(s, func(c *cacheConfig) { c.logger = discardLogger() })
	if _, err := st.Create(ctx, "/registry/configmaps/a/bad", []byte("not protobuf"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "a", cm("good", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		start := time.Now()
		_, err := s.List(ctx, "", metav1.ListOptions{})
		wantStatus(t, err, 500, metav1.StatusReasonInternalError)
		if d := time.Since(start); d >= freshWait {
			t.Fatalf("a list took %v: it waited for a cache that cannot start", d)
		}
	}
	if _, _, err := st.Delete(ctx, "/registry/configmaps/a/bad", 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cache to start", func() bool {
		c := s.cacher()
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.ready
	})
	l, err := s.List(ctx, "", metav1.ListOptions{})
	if items, _, _ := listSeen(t, l); err != nil || len(items) != 1 {
		t.Fatalf("list after the repair: %v %v", items, err)
	}
}

// After the store closes, the cache has stopped and requests get the store's answer.
func TestCacheStopsWithTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	s := newStoreOn(t, st, false)
	if _, err := s.List(ctx, "", metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cache to stop", func() bool {
		c := s.cacher()
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.stopped
	})
	if _, err := s.List(ctx, "", metav1.ListOptions{}); err == nil || !errors.As(err, new(apierrors.APIStatus)) {
		t.Fatalf("list on a closed store: %v", err)
	}
}

// What a reader gets may have its kind and resourceVersion set without touching the
// cached object: for a typed object its top-level struct is its own, for an
// unstructured one (a custom resource, whose kind lives in its map) all of it.
func TestReaderCopies(t *testing.T) {
	typed := cm("x", map[string]string{"a": "b"}, nil)
	typed.ResourceVersion = "5"
	cp := shallowCopy(typed).(*corev1.ConfigMap)
	cp.Kind, cp.ResourceVersion = "ConfigMap", "6"
	if typed.Kind != "" || typed.ResourceVersion != "5" || cp.Labels["a"] != "b" {
		t.Fatalf("typed copy: original %+v", typed.ObjectMeta)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "x", "resourceVersion": "5"}}}
	ucp := shallowCopy(u).(*unstructured.Unstructured)
	ucp.SetKind("Widget")
	ucp.SetResourceVersion("6")
	if u.GetKind() != "" || u.GetResourceVersion() != "5" || ucp.GetName() != "x" {
		t.Fatalf("unstructured copy: original %v", u.Object)
	}
}
