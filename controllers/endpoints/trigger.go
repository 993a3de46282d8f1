package endpoints

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TriggerTracker computes the last-change-trigger-time annotation: for each Service,
// the earliest change that its next write reflects and the previous write did not. A
// pod's change is dated by its Ready condition's last transition, a Service's by its
// creation, as upstream dates them (the informers carry no event times).
type TriggerTracker struct {
	mu    sync.Mutex
	state map[string]triggerState
}

type triggerState struct {
	service time.Time
	pods    map[string]time.Time
}

// NewTriggerTracker makes an empty tracker.
func NewTriggerTracker() *TriggerTracker {
	return &TriggerTracker{state: map[string]triggerState{}}
}

// Compute returns the trigger time for key's next write and remembers what it saw.
// The zero time means no change could be dated.
func (t *TriggerTracker) Compute(key string, svc *corev1.Service, pods []*corev1.Pod) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.state[key]
	next := triggerState{service: svc.CreationTimestamp.Time, pods: make(map[string]time.Time, len(pods))}
	var earliest time.Time
	consider := func(at time.Time) {
		if !at.IsZero() && (earliest.IsZero() || at.Before(earliest)) {
			earliest = at
		}
	}
	if prev.service.Before(next.service) {
		consider(next.service)
	}
	for _, pod := range pods {
		at := podTriggerTime(pod)
		next.pods[pod.Name] = at
		if last, ok := prev.pods[pod.Name]; !ok || last.Before(at) {
			consider(at)
		}
	}
	t.state[key] = next
	return earliest
}

// Forget drops key's state once its Service is gone.
func (t *TriggerTracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, key)
}

func podTriggerTime(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}
