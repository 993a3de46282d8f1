package pods

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestSandboxPrivilegedWhenAnyContainerIs(t *testing.T) {
	priv := &corev1.SecurityContext{Privileged: ptr.To(true)}
	for _, tc := range []struct {
		name string
		spec corev1.PodSpec
		want bool
	}{
		{"none", corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}, false},
		{"explicitly not", corev1.PodSpec{Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(false)}}}}, false},
		{"a container", corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}, {Name: "d", SecurityContext: priv}}}, true},
		{"an init container", corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i", SecurityContext: priv}}, Containers: []corev1.Container{{Name: "c"}}}, true},
		{"an ephemeral container", corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "e", SecurityContext: priv}}}}, true},
	} {
		if got := hasPrivilegedContainer(&corev1.Pod{Spec: tc.spec}); got != tc.want {
			t.Errorf("%s: privileged sandbox %v, want %v", tc.name, got, tc.want)
		}
	}
}
