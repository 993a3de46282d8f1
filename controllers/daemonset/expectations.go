package daemonset

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// expectationsTTL bounds how long a DaemonSet waits for its informers to show the pods
// it created or deleted, as upstream: after that it acts again regardless.
const expectationsTTL = 5 * time.Minute

// expectations count, per DaemonSet key, the pod creations and deletions not yet seen
// by the informers, so that a sync does not act twice on a stale cache.
type expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	m     map[string]*expectation
}

type expectation struct {
	adds, dels int
	set        time.Time
}

func newExpectations(c clock.PassiveClock) *expectations {
	return &expectations{clock: c, m: map[string]*expectation{}}
}

// satisfied reports whether the DaemonSet key may act on its pods.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.m[key]
	if x == nil || x.adds <= 0 && x.dels <= 0 {
		return true
	}
	return e.clock.Since(x.set) > expectationsTTL
}

// expect replaces key's expectations with adds creations and dels deletions.
func (e *expectations) expect(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{adds: adds, dels: dels, set: e.clock.Now()}
}

// created is called when a pod the DaemonSet made appears, or its create failed.
func (e *expectations) created(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.adds--
	}
}

// deleted is called when a pod of the DaemonSet goes, or a delete failed.
func (e *expectations) deleted(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.m[key]; x != nil {
		x.dels--
	}
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
