package resourceslice

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

func slice(name string) *resourcev1.ResourceSlice {
	return &resourcev1.ResourceSlice{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: resourcev1.ResourceSliceSpec{
			Driver: "gpu.example.com", NodeName: ptr.To("node-1"),
			Pool:    resourcev1.ResourcePool{Name: "node-1", ResourceSliceCount: 1},
			Devices: []resourcev1.Device{{Name: "gpu-0"}},
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, slice("a")); len(errs) > 0 {
		t.Fatal(errs)
	}
	bad := slice("a")
	bad.Spec.Driver = ""
	bad.Spec.Pool = resourcev1.ResourcePool{}
	bad.Spec.AllNodes = ptr.To(true)
	bad.Spec.Devices = []resourcev1.Device{{Name: "gpu-0"}, {Name: "gpu-0", Taints: []resourcev1.DeviceTaint{{Key: "k", Effect: "Maybe"}}}}
	want := []string{"spec.driver", "spec.pool.name", "spec.pool.resourceSliceCount", "spec", "spec.devices[1]", "spec.devices[1].taints[0].effect"}
	if got := registrytest.Paths(Strategy{}.Validate(ctx, bad)); !slices.Equal(got, want) {
		t.Errorf("paths\n got %v\nwant %v", got, want)
	}
	none := slice("a")
	none.Spec.NodeName = nil
	if got := registrytest.Messages(Strategy{}.Validate(ctx, none)); !slices.Equal(got, []string{"spec: Required value: exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"}) {
		t.Errorf("no placement: %q", got)
	}
}

func TestDefaultsTaintTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	sl := slice("a")
	sl.Spec.Devices[0].Taints = []resourcev1.DeviceTaint{{Key: "k", Effect: "NoSchedule"}}
	Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.Default(sl)
	if got := sl.Spec.Devices[0].Taints[0].TimeAdded; got == nil || !got.Time.Equal(now.Truncate(time.Second)) {
		t.Errorf("timeAdded %v", got)
	}
}

func TestTableAndFields(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "Node", "Driver", "Pool", "Age"}) {
		t.Errorf("columns %v", all)
	}
	sl := slice("a")
	sl.CreationTimestamp = metav1.NewTime(now.Add(-time.Minute))
	if row, _ := s.TableRow(sl); !slices.Equal(row, []any{"a", "node-1", "gpu.example.com", "node-1", "60s"}) {
		t.Errorf("row %v", row)
	}
	f := s.Fields(sl)
	if f["spec.nodeName"] != "node-1" || f["spec.driver"] != "gpu.example.com" || f["spec.pool.name"] != "node-1" || f["metadata.name"] != "a" {
		t.Errorf("fields %v", f)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", slice("kite-slice"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sl := out.(*resourcev1.ResourceSlice)
	if sl.Generation != 1 {
		t.Errorf("generation %d", sl.Generation)
	}
	sl.Spec.Devices = append(sl.Spec.Devices, resourcev1.Device{Name: "gpu-1"})
	out, err = s.Update(ctx, "", "kite-slice", sl, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	sl = out.(*resourcev1.ResourceSlice)
	if sl.Generation != 2 {
		t.Errorf("generation %d after adding a device", sl.Generation)
	}
	sl.Spec.NodeName = ptr.To("node-2")
	sl.Spec.Pool.Name = "node-2"
	_, err = s.Update(ctx, "", "kite-slice", sl, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.pool.name", "spec.nodeName"}) {
		t.Errorf("causes %v", got)
	}
}
