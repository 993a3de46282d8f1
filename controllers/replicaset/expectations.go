package replicaset

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// expectationsTTL bounds how long a ReplicaSet waits for its informers to show the
// pods it created or deleted, as upstream: after that it acts again regardless.
const expectationsTTL = 5 * time.Minute

// expectations remember, per ReplicaSet key, the creations not yet seen and the pod
// deletions not yet seen, so a sync does not act twice on a stale cache.
type expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	m     map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]struct{}
	set     time.Time
}

func newExpectations(c clock.PassiveClock) *expectations {
	return &expectations{clock: c, m: map[string]*expectation{}}
}

// satisfied reports whether the ReplicaSet key may act.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.m[key]
	if x == nil {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.clock.Since(x.set) > expectationsTTL
}

func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{adds: n, deletes: map[string]struct{}{}, set: e.clock.Now()}
}

func (e *expectations) expectDeletions(key string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: map[string]struct{}{}, set: e.clock.Now()}
	for _, k := range podKeys {
		x.deletes[k] = struct{}{}
	}
	e.m[key] = x
}

// creationObserved is called when a pod the ReplicaSet made appears, or when a create
// failed and will not appear.
func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.adds--
	}
}

// deletionObserved is called when a pod the ReplicaSet deleted goes (or starts
// terminating), or when its delete failed.
func (e *expectations) deletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		delete(x.deletes, podKey)
	}
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
