package deviceclass

import (
	"context"
	"slices"
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func class(expr string) *resourcev1.DeviceClass {
	return &resourcev1.DeviceClass{
		ObjectMeta: metav1.ObjectMeta{Name: "gpu.example.com"},
		Spec:       resourcev1.DeviceClassSpec{Selectors: []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: expr}}}},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	c := class(`device.driver == "gpu.example.com"`)
	c.Spec.ExtendedResourceName = ptr.To("example.com/gpu")
	if errs := (Strategy{}).Validate(ctx, c); len(errs) > 0 {
		t.Fatal(errs)
	}
	c = class("")
	c.Spec.ExtendedResourceName = ptr.To("gpu")
	c.Spec.Config = []resourcev1.DeviceClassConfiguration{{}}
	want := []string{"spec.selectors[0].cel.expression", "spec.config[0].opaque", "spec.extendedResourceName"}
	if got := registrytest.Paths(Strategy{}.Validate(ctx, c)); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
}

func TestTableRow(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "Age"}) {
		t.Errorf("columns %v", all)
	}
	c := class("true")
	c.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Second))
	if row, _ := s.TableRow(c); !slices.Equal(row, []any{"gpu.example.com", "10s"}) {
		t.Errorf("row %v", row)
	}
}

// A spec change bumps the generation; a label change does not.
func TestGenerationThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", class("true"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.(*resourcev1.DeviceClass)
	if c.Generation != 1 {
		t.Errorf("generation %d after create", c.Generation)
	}
	c.Labels = map[string]string{"a": "b"}
	out, err = s.Update(ctx, "", c.Name, c, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	c = out.(*resourcev1.DeviceClass)
	if c.Generation != 1 {
		t.Errorf("generation %d after relabel", c.Generation)
	}
	c.Spec.Selectors[0].CEL.Expression = "false"
	out, err = s.Update(ctx, "", c.Name, c, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if g := out.(*resourcev1.DeviceClass).Generation; g != 2 {
		t.Errorf("generation %d after spec change", g)
	}
}
