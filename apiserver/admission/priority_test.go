package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestPriority(t *testing.T) {
	never := corev1.PreemptNever
	classes := []schedulingv1.PriorityClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
		{ObjectMeta: metav1.ObjectMeta{Name: "polite"}, Value: 500, PreemptionPolicy: &never},
	}
	admit := func(all []schedulingv1.PriorityClass) func(context.Context, *corev1.Pod) error {
		get := func(_ context.Context, name string) (*schedulingv1.PriorityClass, error) {
			for i := range all {
				if all[i].Name == name {
					return &all[i], nil
				}
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}, name)
		}
		list := func(context.Context) ([]schedulingv1.PriorityClass, error) { return all, nil }
		a, _ := Priority(get, list)
		return func(ctx context.Context, p *corev1.Pod) error { return a(ctx, p) }
	}
	ctx := context.Background()
	pod := func(class string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{PriorityClassName: class}}
	}

	p := pod("high")
	if err := admit(classes)(ctx, p); err != nil || *p.Spec.Priority != 1000 || *p.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("high: %v, priority %v", err, p.Spec.Priority)
	}
	p = pod("polite")
	if err := admit(classes)(ctx, p); err != nil || *p.Spec.Priority != 500 || *p.Spec.PreemptionPolicy != corev1.PreemptNever {
		t.Errorf("polite: %v, policy %v", err, p.Spec.PreemptionPolicy)
	}
	// No class and no global default: priority 0.
	p = pod("")
	if err := admit(classes)(ctx, p); err != nil || *p.Spec.Priority != 0 || p.Spec.PriorityClassName != "" {
		t.Errorf("no class: %v, priority %v", err, p.Spec.Priority)
	}
	// A global default names itself in the pod.
	withDefault := append([]schedulingv1.PriorityClass{{ObjectMeta: metav1.ObjectMeta{Name: "base"}, Value: 7, GlobalDefault: true}}, classes...)
	p = pod("")
	if err := admit(withDefault)(ctx, p); err != nil || *p.Spec.Priority != 7 || p.Spec.PriorityClassName != "base" {
		t.Errorf("global default: %v, %q %v", err, p.Spec.PriorityClassName, p.Spec.Priority)
	}
	// Refusals, with upstream's messages.
	err := admit(classes)(ctx, pod("missing"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "no PriorityClass with name missing was found") {
		t.Errorf("missing class: %v", err)
	}
	p = pod("high")
	wrong := int32(5)
	p.Spec.Priority = &wrong
	err = admit(classes)(ctx, p)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000") {
		t.Errorf("mismatched priority: %v", err)
	}
}

// Only one PriorityClass may be the global default, as upstream's validating half says.
func TestPriorityClassDefault(t *testing.T) {
	all := []schedulingv1.PriorityClass{{ObjectMeta: metav1.ObjectMeta{Name: "base"}, Value: 7, GlobalDefault: true}}
	_, validate := Priority(nil, func(context.Context) ([]schedulingv1.PriorityClass, error) { return all, nil })
	for _, c := range []struct {
		name string
		pc   *schedulingv1.PriorityClass
		want string
	}{
		{"second default", &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}, GlobalDefault: true}, "PriorityClass base is already marked as default. Only one default can exist"},
		{"not a default", &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, ""},
		{"the default itself", &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "base"}, GlobalDefault: true}, ""},
	} {
		err := validate(context.Background(), c.pc)
		if c.want == "" && err != nil || c.want != "" && (!apierrors.IsForbidden(err) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
