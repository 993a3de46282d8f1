package admission

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDefaultTolerationSeconds(t *testing.T) {
	five := int64(5)
	cases := []struct {
		name string
		in   []corev1.Toleration
		want []string // keys of the tolerations added, in order
	}{
		{"none", nil, []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}},
		{"unreachable already", []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &five}}, []string{corev1.TaintNodeNotReady}},
		{"every taint", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, nil},
		{"only NoSchedule does not count", []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoSchedule}}, []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}},
	}
	for _, tc := range cases {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: append([]corev1.Toleration(nil), tc.in...)}}
		if err := DefaultTolerationSeconds(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
		added := pod.Spec.Tolerations[len(tc.in):]
		if len(added) != len(tc.want) {
			t.Fatalf("%s: added %v, want keys %v", tc.name, added, tc.want)
		}
		for i, tol := range added {
			if tol.Key != tc.want[i] || tol.Operator != corev1.TolerationOpExists || tol.Effect != corev1.TaintEffectNoExecute ||
				tol.TolerationSeconds == nil || *tol.TolerationSeconds != 300 {
				t.Errorf("%s: added %+v", tc.name, tol)
			}
		}
		if len(tc.in) > 0 && pod.Spec.Tolerations[0].TolerationSeconds != tc.in[0].TolerationSeconds {
			t.Errorf("%s: an existing toleration changed", tc.name)
		}
	}
}
