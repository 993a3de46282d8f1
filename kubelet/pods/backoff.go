package pods

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Upstream kubelet's container restart back-off: the first restart is immediate, then
// 10s doubling to 5 minutes; a container that ran 10 minutes resets it.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

type backoffEntry struct {
	delay time.Duration
	until time.Time // image pulls: no new attempt before
}

// waitReason is why a container waits, as its status reports it.
type waitReason struct {
	Reason, Message string
}

func containerKey(uid types.UID, name string) string { return string(uid) + "/" + name }

// restartWait returns how long the container must still wait before it restarts after
// an exit at finished (0: restart now), and records the restart when it is now.
func (m *Manager) restartWait(key string, started, finished time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.backoff[key]
	if e != nil && !started.IsZero() && finished.Sub(started) >= backoffReset {
		e = nil
	}
	if e == nil {
		m.backoff[key] = &backoffEntry{delay: backoffInitial}
		return 0
	}
	if left := finished.Add(e.delay).Sub(m.cfg.Clock.Now()); left > 0 {
		return left
	}
	e.delay = min(2*e.delay, backoffMax)
	return 0
}

// currentBackoff is the delay the next restart of the container waits.
func (m *Manager) currentBackoff(key string) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.backoff[key]; e != nil {
		return e.delay
	}
	return 0
}

func (m *Manager) setWaiting(key string, w waitReason) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.waiting[key] = w
}

func (m *Manager) clearWaiting(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.waiting, key)
}

func (m *Manager) waitingFor(key string) (waitReason, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.waiting[key]
	return w, ok
}

// forget drops everything kept about a pod that is gone.
func (m *Manager) forget(uid types.UID) {
	m.stopProbes(uid)
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.graces, uid)
	delete(m.deleted, uid)
	m.resizes.forget(uid)
	prefix := string(uid) + "/"
	for k := range m.waiting {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(m.waiting, k)
		}
	}
	for k := range m.backoff {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(m.backoff, k)
		}
	}
}
