package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestGracePeriod(t *testing.T) {
	pod := func(node string, phase corev1.PodPhase, spec *int64) *corev1.Pod {
		return &corev1.Pod{
			Spec:   corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: spec},
			Status: corev1.PodStatus{Phase: phase},
		}
	}
	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		asked *int64
		want  int64
	}{
		{"bound, spec default", pod("n1", corev1.PodRunning, ptr.To[int64](30)), nil, 30},
		{"bound, spec custom", pod("n1", corev1.PodPending, ptr.To[int64](7)), nil, 7},
		{"bound, no spec period", pod("n1", corev1.PodRunning, nil), nil, 0},
		{"asked overrides spec", pod("n1", corev1.PodRunning, ptr.To[int64](30)), ptr.To[int64](5), 5},
		{"asked zero", pod("n1", corev1.PodRunning, ptr.To[int64](30)), ptr.To[int64](0), 0},
		{"asked longer than spec", pod("n1", corev1.PodRunning, ptr.To[int64](30)), ptr.To[int64](60), 60},
		{"asked negative", pod("n1", corev1.PodRunning, ptr.To[int64](30)), ptr.To[int64](-5), 1},
		{"spec negative", pod("n1", corev1.PodRunning, ptr.To[int64](-1)), nil, 1},
		{"unbound", pod("", corev1.PodPending, ptr.To[int64](30)), ptr.To[int64](10), 0},
		{"succeeded", pod("n1", corev1.PodSucceeded, ptr.To[int64](30)), nil, 0},
		{"failed", pod("n1", corev1.PodFailed, ptr.To[int64](30)), ptr.To[int64](10), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Strategy{}.GracePeriod(tc.pod, metav1.DeleteOptions{GracePeriodSeconds: tc.asked})
			if got != tc.want {
				t.Errorf("GracePeriod = %d, want %d", got, tc.want)
			}
		})
	}
}
