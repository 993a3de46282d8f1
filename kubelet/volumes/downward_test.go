package volumes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFieldValue(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1",
		Labels:      map[string]string{"b": "2", "a": "1"},
		Annotations: map[string]string{"q": `say "hi"`}},
		Spec: corev1.PodSpec{NodeName: "n", ServiceAccountName: "sa"}}
	for path, want := range map[string]string{
		"metadata.name":              "p",
		"metadata.namespace":         "ns",
		"metadata.uid":               "u1",
		"metadata.labels":            "a=\"1\"\nb=\"2\"",
		"metadata.annotations":       `q="say \"hi\""`,
		"metadata.labels['b']":       "2",
		"metadata.annotations['q']":  `say "hi"`,
		"metadata.labels['missing']": "",
		"spec.nodeName":              "n",
		"spec.serviceAccountName":    "sa",
	} {
		if got, ok := FieldValue(pod, path); !ok || got != want {
			t.Errorf("%s = %q (%v), want %q", path, got, ok, want)
		}
	}
	if _, ok := FieldValue(pod, "spec.bogus"); ok {
		t.Error("an unknown path was known")
	}
}

func TestResourceValue(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
	}}}}}
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")}
	for _, tc := range []struct {
		name, divisor, want string
	}{
		{"requests.cpu", "", "1"},     // 250m rounds up to one core
		{"requests.cpu", "1m", "250"}, // in millicores
		{"limits.cpu", "", "2"},       // unset: the node's allocatable
		{"limits.memory", "", "67108864"},
		{"limits.memory", "1Mi", "64"},
		{"requests.memory", "1Mi", "32"},
		{"requests.ephemeral-storage", "", "0"},
	} {
		var d resource.Quantity
		if tc.divisor != "" {
			d = resource.MustParse(tc.divisor)
		}
		got, err := ResourceValue(pod, "c", tc.name, d, alloc)
		if err != nil || got != tc.want {
			t.Errorf("%s / %q = %q, %v; want %s", tc.name, tc.divisor, got, err, tc.want)
		}
	}
	if _, err := ResourceValue(pod, "other", "limits.cpu", resource.Quantity{}, alloc); err == nil {
		t.Error("an unknown container was accepted")
	}
}
