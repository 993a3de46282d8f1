package admission

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func TestServiceAccountTokenMount(t *testing.T) {
	sas := map[string]*corev1.ServiceAccount{
		"mount":   {ObjectMeta: metav1.ObjectMeta{Name: "mount"}, AutomountServiceAccountToken: ptr.To(true)},
		"nomount": {ObjectMeta: metav1.ObjectMeta{Name: "nomount"}, AutomountServiceAccountToken: ptr.To(false)},
	}
	admit := ServiceAccount(func(_ context.Context, _, name string) (*corev1.ServiceAccount, error) {
		if sa, ok := sas[name]; ok {
			return sa, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "serviceaccounts"}, name)
	})
	for _, tc := range []struct {
		sa    string
		pod   *bool
		mount bool
	}{
		{"default", nil, true}, {"mount", nil, true}, {"nomount", nil, false},
		{"default", ptr.To(true), true}, {"nomount", ptr.To(true), true},
		{"default", ptr.To(false), false}, {"mount", ptr.To(false), false},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{ServiceAccountName: tc.sa, AutomountServiceAccountToken: tc.pod,
			Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}}}
		if err := admit(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
		for _, c := range pod.Spec.Containers {
			if got := hasMountAt(c.VolumeMounts, tokenMountPath); got != tc.mount {
				t.Errorf("sa %s, pod automount %v: container %s mounted %v, want %v", tc.sa, tc.pod, c.Name, got, tc.mount)
			}
		}
		if tc.mount && (len(pod.Spec.Volumes) != 1 || pod.Spec.Volumes[0].Projected == nil) {
			t.Errorf("sa %s: volumes %+v", tc.sa, pod.Spec.Volumes)
		}
	}
}
