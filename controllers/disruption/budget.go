package disruption

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// deletionTimeout is how long an evicted pod stays in status.disruptedPods, counted as
// gone, before the controller stops waiting for its deletion, as upstream.
const deletionTimeout = 2 * time.Minute

// counts is a budget's arithmetic: what it expects, what it needs healthy, what it has.
type counts struct {
	expected, desiredHealthy, currentHealthy int32
}

// desired computes expectedPods and desiredHealthy. scale returns the summed scale of
// the pods' controllers: maxUnavailable and a percentage minAvailable are fractions of
// it, while an integer minAvailable needs only the number of pods.
func desired(spec policyv1.PodDisruptionBudgetSpec, pods int32, scale func() (int32, error)) (expected, desiredHealthy int32, err error) {
	switch {
	case spec.MaxUnavailable != nil:
		if expected, err = scale(); err != nil {
			return 0, 0, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, err
		}
		return expected, max(expected-int32(maxUnavailable), 0), nil
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		return pods, spec.MinAvailable.IntVal, nil
	case spec.MinAvailable != nil:
		if expected, err = scale(); err != nil {
			return 0, 0, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, err
		}
		return expected, int32(minAvailable), nil
	}
	return pods, 0, nil
}

// stillDisrupted keeps the entries of status.disruptedPods whose pod exists, is not
// being deleted yet and was evicted less than deletionTimeout ago. It also returns when
// the earliest kept entry expires (nil when none is kept), for a sync then.
func stillDisrupted(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) (map[string]metav1.Time, *time.Time) {
	out := map[string]metav1.Time{}
	var recheck *time.Time
	for _, p := range pods {
		at, ok := disrupted[p.Name]
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		expires := at.Add(deletionTimeout)
		if expires.Before(now) {
			continue
		}
		out[p.Name] = at
		if recheck == nil || expires.Before(*recheck) {
			recheck = &expires
		}
	}
	return out, recheck
}

// healthy counts the ready pods that are neither being deleted nor just evicted.
func healthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if at, ok := disrupted[p.Name]; ok && at.Add(deletionTimeout).After(now) {
			continue
		}
		if podReady(p) {
			n++
		}
	}
	return n
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// allowed is how many more pods may go now: none when no pod is expected.
func (c counts) allowed() int32 {
	if c.expected <= 0 || c.currentHealthy <= c.desiredHealthy {
		return 0
	}
	return c.currentHealthy - c.desiredHealthy
}
