package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestUpdatesMayOnlyAddTolerations(t *testing.T) {
	a := corev1.Toleration{Key: "a", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)}
	b := corev1.Toleration{Key: "b", Operator: corev1.TolerationOpEqual, Value: "v", Effect: corev1.TaintEffectNoSchedule}
	shorter := a
	shorter.TolerationSeconds = ptr.To[int64](10)
	changed := b
	changed.Value = "w"
	for _, tc := range []struct {
		name     string
		tols     []corev1.Toleration
		accepted bool
	}{
		{"unchanged", []corev1.Toleration{a, b}, true},
		{"added in front", []corev1.Toleration{{Key: "c", Operator: corev1.TolerationOpExists}, b, a}, true},
		{"seconds changed", []corev1.Toleration{shorter, b}, true},
		{"one removed", []corev1.Toleration{a}, false},
		{"value changed", []corev1.Toleration{a, changed}, false},
	} {
		if got := keepsTolerations(tc.tols, []corev1.Toleration{a, b}); got != tc.accepted {
			t.Errorf("%s: accepted %v, want %v", tc.name, got, tc.accepted)
		}
	}
}
