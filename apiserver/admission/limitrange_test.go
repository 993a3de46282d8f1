package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestLimitRanger(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	}
	lr := corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer, Min: rl("100m", "10Mi"), Max: rl("500m", "500Mi"),
		Default: rl("500m", "500Mi"), DefaultRequest: rl("100m", "200Mi"),
	}}}}
	mutate, validate := LimitRanger(func(context.Context, string) ([]corev1.LimitRange, error) { return []corev1.LimitRange{lr}, nil })
	admit := Chain(mutate, validate)
	pod := func(res corev1.ResourceRequirements) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: res}}}}
	}

	p := pod(corev1.ResourceRequirements{})
	if err := admit(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := p.Spec.Containers[0].Resources
	if got.Requests.Cpu().String() != "100m" || got.Limits.Memory().String() != "500Mi" {
		t.Fatalf("defaults: %+v", got)
	}
	partial := pod(corev1.ResourceRequirements{Requests: rl("300m", "150Mi"), Limits: rl("300m", "300Mi")})
	if err := admit(context.Background(), partial); err != nil {
		t.Fatal(err)
	}
	if r := partial.Spec.Containers[0].Resources; r.Requests.Cpu().String() != "300m" || r.Limits.Memory().String() != "300Mi" {
		t.Fatalf("given values must win: %+v", r)
	}
	small := pod(corev1.ResourceRequirements{Requests: rl("50m", "50Mi"), Limits: rl("100m", "100Mi")})
	err := admit(context.Background(), small)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "minimum cpu usage per Container is 100m, but request is 50m") {
		t.Fatalf("below min: %v", err)
	}
	big := pod(corev1.ResourceRequirements{Requests: rl("500m", "500Mi"), Limits: rl("600m", "600Mi")})
	if err := admit(context.Background(), big); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "maximum cpu usage per Container is 500m, but limit is 600m") {
		t.Fatalf("above max: %v", err)
	}
	// The mutating half only defaults: the checks are the validating half's, which
	// judges the pod as a mutating webhook left it.
	if err := mutate(context.Background(), small); err != nil {
		t.Fatalf("mutate refused: %v", err)
	}
	fine := pod(corev1.ResourceRequirements{})
	if err := mutate(context.Background(), fine); err != nil {
		t.Fatal(err)
	}
	fine.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2") // as a webhook might
	if err := validate(context.Background(), fine); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "maximum cpu usage per Container is 500m, but limit is 2") {
		t.Fatalf("validate after a webhook: %v", err)
	}
}
