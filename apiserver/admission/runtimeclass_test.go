package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func TestRuntimeClass(t *testing.T) {
	classes := map[string]*nodev1.RuntimeClass{
		"kata": {ObjectMeta: metav1.ObjectMeta{Name: "kata"}, Handler: "kata",
			Overhead:   &nodev1.Overhead{PodFixed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}},
			Scheduling: &nodev1.Scheduling{NodeSelector: map[string]string{"sandbox": "kata"}}},
	}
	mutate, validate := RuntimeClass(func(_ context.Context, name string) (*nodev1.RuntimeClass, error) {
		if rc, ok := classes[name]; ok {
			return rc, nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"}, name)
	})
	admit := Chain(mutate, validate)
	pod := func(class string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{RuntimeClassName: ptr.To(class)}}
	}

	p := pod("kata")
	if err := admit(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if cpu := p.Spec.Overhead[corev1.ResourceCPU]; cpu.String() != "250m" || p.Spec.NodeSelector["sandbox"] != "kata" {
		t.Fatalf("overhead %v, nodeSelector %v", p.Spec.Overhead, p.Spec.NodeSelector)
	}
	err := admit(context.Background(), pod("missing"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `pods "p" is forbidden: pod rejected: RuntimeClass "missing" not found`) {
		t.Fatalf("missing class: %v", err)
	}
	conflict := pod("kata")
	conflict.Spec.NodeSelector = map[string]string{"sandbox": "gvisor"}
	if err := admit(context.Background(), conflict); !apierrors.IsForbidden(err) {
		t.Fatalf("conflicting nodeSelector: %v", err)
	}
	if err := admit(context.Background(), &corev1.Pod{}); err != nil {
		t.Fatalf("pod without a class: %v", err)
	}
	// The validating half judges the overhead as a mutating webhook left it.
	changed := pod("kata")
	if err := mutate(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	changed.Spec.Overhead[corev1.ResourceCPU] = resource.MustParse("1")
	if err := validate(context.Background(), changed); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead") {
		t.Fatalf("changed overhead: %v", err)
	}
	added := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}
	if err := validate(context.Background(), added); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "Pod Overhead set without corresponding RuntimeClass defined Overhead") {
		t.Fatalf("overhead without a class: %v", err)
	}
}
