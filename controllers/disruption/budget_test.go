package disruption

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestDesired(t *testing.T) {
	scaleOf := func(n int32) func() (int32, error) { return func() (int32, error) { return n, nil } }
	for _, tc := range []struct {
		name                     string
		spec                     policyv1.PodDisruptionBudgetSpec
		pods, scale              int32
		wantExpected, wantDesire int32
	}{
		{"minAvailable int uses the pods found", policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2))}, 3, 10, 3, 2},
		{"minAvailable percent rounds up", policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromString("50%"))}, 3, 5, 5, 3},
		{"minAvailable 100%", policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromString("100%"))}, 3, 4, 4, 4},
		{"maxUnavailable int", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}, 2, 4, 4, 3},
		{"maxUnavailable percent rounds up", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("30%"))}, 2, 5, 5, 3},
		{"maxUnavailable above scale", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(9))}, 2, 4, 4, 0},
		{"neither", policyv1.PodDisruptionBudgetSpec{}, 2, 4, 2, 0},
	} {
		e, d, err := desired(tc.spec, tc.pods, scaleOf(tc.scale))
		if err != nil || e != tc.wantExpected || d != tc.wantDesire {
			t.Errorf("%s: expected %d desired %d (%v); want %d and %d", tc.name, e, d, err, tc.wantExpected, tc.wantDesire)
		}
	}
	boom := errors.New("no controller")
	if _, _, err := desired(policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}, 1,
		func() (int32, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("scale error lost: %v", err)
	}
	if _, _, err := desired(policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1))}, 1,
		func() (int32, error) { return 0, boom }); err != nil {
		t.Errorf("an integer minAvailable needs no scale: %v", err)
	}
}

func readyPod(name string, ready bool) *corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
}

func TestHealthyAndDisrupted(t *testing.T) {
	now := time.Now()
	deleting := readyPod("deleting", true)
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	pods := []*corev1.Pod{readyPod("a", true), readyPod("b", true), readyPod("c", false), readyPod("evicted", true), readyPod("stale", true), deleting}
	disrupted := map[string]metav1.Time{
		"evicted":  {Time: now.Add(-time.Minute)},
		"stale":    {Time: now.Add(-3 * time.Minute)},
		"deleting": {Time: now},
		"gone":     {Time: now},
	}
	kept, recheck := stillDisrupted(pods, disrupted, now)
	if _, ok := kept["evicted"]; len(kept) != 1 || !ok {
		t.Errorf("kept %v; want only evicted", kept)
	}
	if recheck == nil || !recheck.Equal(now.Add(time.Minute)) {
		t.Errorf("recheck %v; want in a minute", recheck)
	}
	// a, b and stale are ready; evicted is counted gone, c is not ready.
	if got := healthy(pods, kept, now); got != 3 {
		t.Errorf("healthy %d; want 3", got)
	}
	for _, tc := range []struct {
		c    counts
		want int32
	}{
		{counts{expected: 3, desiredHealthy: 2, currentHealthy: 3}, 1},
		{counts{expected: 3, desiredHealthy: 3, currentHealthy: 3}, 0},
		{counts{expected: 3, desiredHealthy: 3, currentHealthy: 1}, 0},
		{counts{expected: 0, desiredHealthy: 0, currentHealthy: 2}, 0},
	} {
		if got := tc.c.allowed(); got != tc.want {
			t.Errorf("%+v allows %d; want %d", tc.c, got, tc.want)
		}
	}
}
