package storageclass

import (
	"context"
	"slices"
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "example.com/csi"}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := out.(*storagev1.StorageClass)
	if *sc.ReclaimPolicy != "Delete" || *sc.VolumeBindingMode != "Immediate" {
		t.Errorf("defaults: %v %v", *sc.ReclaimPolicy, *sc.VolumeBindingMode)
	}
	changed := sc.DeepCopy()
	changed.Provisioner = "other.io/csi"
	changed.Parameters = map[string]string{"a": "b"}
	_, err = s.Update(ctx, "", "fast", changed, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"parameters", "provisioner"}) {
		t.Errorf("causes %v", got)
	}
	bad := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "bad"}}
	mode := storagev1.VolumeBindingMode("Later")
	bad.VolumeBindingMode = &mode
	_, err = s.Create(ctx, "", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"provisioner", "volumeBindingMode"}) {
		t.Errorf("causes %v", got)
	}
}

func TestTable(t *testing.T) {
	all, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"}) {
		t.Errorf("columns %v", all)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "std", CreationTimestamp: metav1.NewTime(now.Add(-time.Hour)),
		Annotations: map[string]string{defaultAnnotation: "true"}}, Provisioner: "rancher.io/local-path"}
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(sc)
	if err != nil || !slices.Equal(row, []any{"std (default)", "rancher.io/local-path", "Delete", "Immediate", false, "60m"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}
