package daemonset

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// isReady: the pod's Ready condition is True.
func isReady(p *corev1.Pod) bool {
	return readySince(p) != nil
}

// readySince returns when p became Ready, or nil when it is not.
func readySince(p *corev1.Pod) *time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			t := c.LastTransitionTime.Time
			return &t
		}
	}
	return nil
}

// isAvailable: ready for at least minReadySeconds at now.
func isAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	since := readySince(p)
	if since == nil {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	d := time.Duration(minReadySeconds) * time.Second
	return !since.IsZero() && !since.Add(d).After(now)
}

// isTerminal: Succeeded or Failed.
func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// sortOldestFirst orders pods as upstream keeps the one to keep first: bound before
// unbound, then older, then by name.
func sortOldestFirst(pods []*corev1.Pod) {
	slices.SortStableFunc(pods, func(a, b *corev1.Pod) int {
		ab, bb := a.Spec.NodeName != "", b.Spec.NodeName != ""
		if ab != bb {
			if ab {
				return -1
			}
			return 1
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			if a.CreationTimestamp.Before(&b.CreationTimestamp) {
				return -1
			}
			return 1
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}
