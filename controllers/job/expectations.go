package job

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"
)

// expectationsTTL bounds how long a Job waits for its informers to show what it did,
// as upstream: after that it acts again regardless.
const expectationsTTL = 5 * time.Minute

// expectations remember, per Job key, what the controller did that the informers
// have not shown yet: pods created, pods deleted, and tracking finalizers removed.
// The last matters most: a pod seen again with its finalizer after the controller
// counted it and removed the finalizer must not be counted twice.
type expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	m     map[string]*expectation
}

type expectation struct {
	adds      int
	deletes   sets.Set[string] // pod names
	finalizer sets.Set[string] // pod uids whose finalizer removal is not seen yet
	set       time.Time
}

func newExpectations(c clock.PassiveClock) *expectations {
	return &expectations{clock: c, m: map[string]*expectation{}}
}

func (e *expectations) get(key string) *expectation {
	x := e.m[key]
	if x == nil {
		x = &expectation{deletes: sets.New[string](), finalizer: sets.New[string]()}
		e.m[key] = x
	}
	return x
}

// satisfied reports whether every pod creation and deletion of the Job was seen (or
// the wait expired), so counting pods in the cache is trustworthy.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.m[key]
	if x == nil || x.adds <= 0 && x.deletes.Len() == 0 {
		return true
	}
	return e.clock.Since(x.set) > expectationsTTL
}

func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(key)
	x.adds, x.set = n, e.clock.Now()
}

func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.adds--
	}
}

func (e *expectations) expectDeletion(key, pod string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(key)
	x.deletes.Insert(pod)
	x.set = e.clock.Now()
}

func (e *expectations) deletionObserved(key, pod string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.deletes.Delete(pod)
	}
}

func (e *expectations) expectFinalizerRemoved(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.get(key).finalizer.Insert(uid)
}

func (e *expectations) finalizerRemovalObserved(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.finalizer.Delete(uid)
	}
}

// pendingFinalizers returns the uids whose finalizer removal is not seen yet.
func (e *expectations) pendingFinalizers(key string) sets.Set[string] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		return x.finalizer.Clone()
	}
	return sets.New[string]()
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
