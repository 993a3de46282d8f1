package job

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Upstream's back-off before replacing failed pods: 10s, doubling with each failure
// since the last success, at most 10m.
const (
	backoffBase = 10 * time.Second
	backoffMax  = 10 * time.Minute
)

// backoffRemaining says how long to wait before creating pods, given the pods'
// failures since the last success. It is read from the pods themselves, so it
// survives a restart of the controller as long as the failed pods exist.
func backoffRemaining(pods []*corev1.Pod, failed func(*corev1.Pod) bool, now time.Time) time.Duration {
	var lastSuccess, lastFailure time.Time
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded {
			if t := finishTime(p); t.After(lastSuccess) {
				lastSuccess = t
			}
		}
	}
	n := 0
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || !failed(p) {
			continue
		}
		t := finishTime(p)
		if !t.After(lastSuccess) {
			continue
		}
		n++
		if t.After(lastFailure) {
			lastFailure = t
		}
	}
	if n == 0 {
		return 0
	}
	delay := backoffBase
	for i := 1; i < n && delay < backoffMax; i++ {
		delay *= 2
	}
	delay = min(delay, backoffMax)
	return max(0, lastFailure.Add(delay).Sub(now))
}
