package resourceclaim

import (
	"context"
	"slices"
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func claim(name string) *resourcev1.ResourceClaim {
	return &resourcev1.ResourceClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{Requests: []resourcev1.DeviceRequest{{
			Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "gpu.example.com"},
		}}}},
	}
}

func allocation() *resourcev1.AllocationResult {
	return &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{{
		Request: "gpu", Driver: "gpu.example.com", Pool: "node-1", Device: "gpu-0",
	}}}}
}

func TestDefaults(t *testing.T) {
	c := claim("a")
	Strategy{}.Default(c)
	if e := c.Spec.Devices.Requests[0].Exactly; e.AllocationMode != resourcev1.DeviceAllocationModeExactCount || e.Count != 1 {
		t.Errorf("defaulted %+v", e)
	}
}

func TestTableRow(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "State", "Age"}) {
		t.Errorf("columns %v", all)
	}
	c := claim("a")
	c.CreationTimestamp = metav1.NewTime(now.Add(-3 * time.Minute))
	for _, step := range []struct {
		change func()
		want   string
	}{
		{func() {}, "pending"},
		{func() { c.Status.Allocation = allocation() }, "allocated"},
		{func() {
			c.Status.ReservedFor = []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "p", UID: "1"}}
		}, "allocated,reserved"},
		{func() { c.DeletionTimestamp = &metav1.Time{Time: now} }, "deleted,allocated,reserved"},
		{func() { c.Status = resourcev1.ResourceClaimStatus{} }, "deleted"},
	} {
		step.change()
		row, _ := s.TableRow(c)
		if want := []any{"a", step.want, "3m"}; !slices.Equal(row, want) {
			t.Errorf("row %v, want %v", row, want)
		}
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := claim("kite-claim")
	in.Status.Allocation = allocation()
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*resourcev1.ResourceClaim)
	if created.Status.Allocation != nil || created.Spec.Devices.Requests[0].Exactly.Count != 1 {
		t.Fatalf("created %+v", created)
	}

	// The spec is immutable.
	upd := created.DeepCopy()
	upd.Spec.Devices.Requests[0].Exactly.Count = 2
	_, err = s.Update(ctx, "default", "kite-claim", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec"}) {
		t.Errorf("causes %v", got)
	}

	// Reserving without an allocation is refused; with one it works.
	st := created.DeepCopy()
	st.Status.ReservedFor = []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "web", UID: "uid-1"}}
	_, err = s.Update(ctx, "default", "kite-claim", st, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.reservedFor"}) {
		t.Errorf("causes %v", got)
	}
	st.Status.Allocation = allocation()
	st.Spec.Devices.Requests = nil
	out, err = s.Update(ctx, "default", "kite-claim", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*resourcev1.ResourceClaim)
	if len(got.Spec.Devices.Requests) != 1 || state(got) != "allocated,reserved" {
		t.Errorf("after status update %+v", got)
	}

	// An allocation is not rewritten.
	re := got.DeepCopy()
	re.Status.Allocation.Devices.Results[0].Device = "gpu-1"
	_, err = s.Update(ctx, "default", "kite-claim", re, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.allocation"}) {
		t.Errorf("causes %v", got)
	}
}
