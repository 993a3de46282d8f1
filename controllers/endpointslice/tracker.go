package endpointslice

import (
	"strconv"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Tracker remembers the slices a controller wrote or deleted, per owner key, so a
// sync can tell that its informer has not caught up with them yet. Acting on such a
// stale view would, for example, create a slice a second time.
type Tracker struct {
	mu     sync.Mutex
	expect map[string]map[types.UID]expectation
}

// expectation is what a write left: the resourceVersion written or the deletion,
// and when. An expectation older than expectationTTL is dropped: the slice was
// changed again by someone else in a way no event told (a missed deletion), and
// waiting for it longer would stop the owner's syncs for good.
type expectation struct {
	rv      string
	deleted bool
	at      time.Time
}

const expectationTTL = time.Minute

// NewTracker makes an empty tracker.
func NewTracker() *Tracker { return &Tracker{expect: map[string]map[types.UID]expectation{}} }

// Wrote records that owner's slice s was created or updated and came back as s.
func (t *Tracker) Wrote(owner string, s *discoveryv1.EndpointSlice) {
	t.set(owner, s.UID, expectation{rv: s.ResourceVersion})
}

// Deleted records that owner's slice s was deleted.
func (t *Tracker) Deleted(owner string, s *discoveryv1.EndpointSlice) {
	t.set(owner, s.UID, expectation{deleted: true})
}

func (t *Tracker) set(owner string, uid types.UID, e expectation) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.expect[owner]
	if m == nil {
		m = map[types.UID]expectation{}
		t.expect[owner] = m
	}
	e.at = time.Now()
	m[uid] = e
}

// Observed forgets slice uid once the informer reports it deleted: nothing more
// about it is to be expected, whoever deleted it.
func (t *Tracker) Observed(owner string, uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.expect[owner], uid)
	if len(t.expect[owner]) == 0 {
		delete(t.expect, owner)
	}
}

// Forget drops everything about owner.
func (t *Tracker) Forget(owner string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.expect, owner)
}

// Stale reports whether seen, the owner's slices as the informer has them, misses
// one of its writes: a slice created or updated later than seen shows, or one deleted
// that is still there.
func (t *Tracker) Stale(owner string, seen []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	want := t.expect[owner]
	if len(want) == 0 {
		return false
	}
	have := make(map[types.UID]string, len(seen))
	for _, s := range seen {
		have[s.UID] = s.ResourceVersion
	}
	for uid, e := range want {
		if time.Since(e.at) > expectationTTL {
			delete(want, uid)
			continue
		}
		got, present := have[uid]
		if e.deleted == present || present && older(got, e.rv) {
			return true
		}
	}
	return false
}

// older compares two resourceVersions. They are opaque to clients in general; when
// both are decimal (as Kite's and etcd's are) the smaller is older, otherwise nothing
// is known and the view is trusted.
func older(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	return err1 == nil && err2 == nil && x < y
}
