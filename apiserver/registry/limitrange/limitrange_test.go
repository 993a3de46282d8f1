package limitrange

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestDefaultsAndOrder(t *testing.T) {
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer,
		Max:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Min:  corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}}}}
	Strategy{}.Default(lr)
	it := lr.Spec.Limits[0]
	if !it.Default.Cpu().Equal(resource.MustParse("2")) || !it.DefaultRequest.Cpu().Equal(resource.MustParse("2")) ||
		!it.DefaultRequest.Memory().Equal(resource.MustParse("64Mi")) {
		t.Errorf("defaulted %+v", it)
	}
	if errs := (Strategy{}).Validate(context.Background(), lr); len(errs) != 0 {
		t.Errorf("valid range refused: %v", errs)
	}
	lr.Spec.Limits[0].Min = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}
	lr.Spec.Limits[0].DefaultRequest = nil
	lr.Spec.Limits[0].Default = nil
	errs := Strategy{}.Validate(context.Background(), lr)
	if len(errs) != 1 || errs[0].Field != "spec.limits[0].min[cpu]" || errs[0].Detail != "min value 3 is greater than max value 2" {
		t.Errorf("errs %v", errs)
	}
	lr.Spec.Limits = []corev1.LimitRangeItem{{Type: "Bogus"}}
	if errs := (Strategy{}).Validate(context.Background(), lr); len(errs) != 1 || errs[0].Detail != "must be a standard limit type or fully qualified" {
		t.Errorf("errs %v", errs)
	}
}
