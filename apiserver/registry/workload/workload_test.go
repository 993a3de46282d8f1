package workload

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestIntOrPercent(t *testing.T) {
	p := field.NewPath("maxSurge")
	for _, tc := range []struct {
		v       intstr.IntOrString
		value   int
		errs    int
		over100 bool
	}{
		{intstr.FromInt32(3), 3, 0, false},
		{intstr.FromInt32(-1), -1, 1, false},
		{intstr.FromString("25%"), 25, 0, false},
		{intstr.FromString("150%"), 150, 0, true},
		{intstr.FromString("25"), 25, 1, false}, // read as a count, refused as a percentage
	} {
		if got := IntOrPercentValue(tc.v); got != tc.value {
			t.Errorf("%s: value %d, want %d", tc.v.String(), got, tc.value)
		}
		if got := len(ValidateIntOrPercent(tc.v, p)); got != tc.errs {
			t.Errorf("%s: %d errors, want %d", tc.v.String(), got, tc.errs)
		}
		if got := len(NotOver100Percent(tc.v, p)) == 1; got != tc.over100 {
			t.Errorf("%s: over 100%% %v", tc.v.String(), got)
		}
	}
}

func TestCollisionCount(t *testing.T) {
	p := field.NewPath("status", "collisionCount")
	for _, tc := range []struct {
		count, old *int32
		errs       int
	}{
		{nil, nil, 0}, {ptr.To[int32](1), nil, 0}, {ptr.To[int32](2), ptr.To[int32](1), 0},
		{ptr.To[int32](0), ptr.To[int32](1), 1}, {nil, ptr.To[int32](1), 1}, {ptr.To[int32](-1), nil, 1},
	} {
		if got := len(ValidateCollisionCount(tc.count, tc.old, p)); got != tc.errs {
			t.Errorf("%v after %v: %d errors, want %d", ptr.Deref(tc.count, -99), ptr.Deref(tc.old, -99), got, tc.errs)
		}
	}
}

func TestContainerCells(t *testing.T) {
	names, images := ContainerCells([]corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "busybox:1.36"}})
	if names != "a,b" || images != "nginx,busybox:1.36" {
		t.Errorf("cells %q %q", names, images)
	}
	if n, i := ContainerCells(nil); n != "" || i != "" {
		t.Errorf("no containers: %q %q", n, i)
	}
	if got := SelectorMatches(nil, map[string]string{"a": "b"}, field.NewPath("labels")); !slices.Equal(pathsOf(got), []string{"labels"}) {
		t.Errorf("nil selector selects: %v", got)
	}
}

func pathsOf(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}
