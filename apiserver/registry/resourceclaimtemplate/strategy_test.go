package resourceclaimtemplate

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

func template(name, class string) *resourcev1.ResourceClaimTemplate {
	return &resourcev1.ResourceClaimTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: resourcev1.ResourceClaimTemplateSpec{Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{
			Requests: []resourcev1.DeviceRequest{{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: class}}},
		}}},
	}
}

func TestTableRow(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "Age"}) {
		t.Errorf("columns %v", all)
	}
	tm := template("t", "c")
	tm.CreationTimestamp = metav1.NewTime(now.Add(-49 * time.Hour))
	if row, _ := s.TableRow(tm); !slices.Equal(row, []any{"t", "2d1h"}) {
		t.Errorf("row %v", row)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "default", template("kite-tmpl", "gpu.example.com"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*resourcev1.ResourceClaimTemplate)
	if e := created.Spec.Spec.Devices.Requests[0].Exactly; e.AllocationMode != "ExactCount" || e.Count != 1 {
		t.Errorf("not defaulted: %+v", e)
	}
	_, err = s.Create(ctx, "default", template("no-class", ""), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.spec.devices.requests[0].exactly.deviceClassName"}) {
		t.Errorf("causes %v", got)
	}
	upd := created.DeepCopy()
	upd.Spec.Spec.Devices.Requests[0].Exactly.DeviceClassName = "other"
	_, err = s.Update(ctx, "default", "kite-tmpl", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec"}) {
		t.Errorf("causes %v", got)
	}
	lbl := created.DeepCopy()
	lbl.Labels = map[string]string{"a": "b"}
	if _, err := s.Update(ctx, "default", "kite-tmpl", lbl, metav1.UpdateOptions{}, ""); err != nil {
		t.Errorf("relabelling: %v", err)
	}
}
