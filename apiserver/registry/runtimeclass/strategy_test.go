package runtimeclass

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
)

func rc(handler string) *nodev1.RuntimeClass {
	return &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "gvisor"}, Handler: handler}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, rc("runsc")); len(errs) != 0 {
		t.Errorf("good class: %v", errs)
	}
	if got := registrytest.Messages((Strategy{}).Validate(ctx, rc(""))); !slices.Equal(got, []string{"handler: Required value"}) {
		t.Errorf("no handler: %q", got)
	}
	if got := registrytest.Paths((Strategy{}).Validate(ctx, rc("run.sc"))); !slices.Equal(got, []string{"handler"}) {
		t.Errorf("dotted handler: %q", got)
	}
	bad := rc("runsc")
	bad.Overhead = &nodev1.Overhead{PodFixed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("-1")}}
	bad.Scheduling = &nodev1.Scheduling{NodeSelector: map[string]string{"bad key!": "x"}}
	if got := registrytest.Paths((Strategy{}).Validate(ctx, bad)); !slices.Equal(got, []string{"overhead.podFixed[cpu]", "scheduling.nodeSelector"}) {
		t.Errorf("overhead and selector: %q", got)
	}
}

func TestHandlerIsImmutable(t *testing.T) {
	ctx := context.Background()
	old := rc("runsc")
	same := old.DeepCopy()
	same.Labels = map[string]string{"a": "b"}
	if errs := (Strategy{}).ValidateUpdate(ctx, same, old); len(errs) != 0 {
		t.Errorf("relabel: %v", errs)
	}
	want := []string{`handler: Invalid value: "kata": field is immutable`}
	if got := registrytest.Messages((Strategy{}).ValidateUpdate(ctx, rc("kata"), old)); !slices.Equal(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestTable(t *testing.T) {
	names, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Handler", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := rc("runsc")
	c.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(c)
	if err != nil || !slices.Equal(row, []any{"gvisor", "runsc", "10m"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}
