package storageversionmigration

import (
	"context"
	"slices"
	"testing"
	"time"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func migration() *storagemigrationv1.StorageVersionMigration {
	return &storagemigrationv1.StorageVersionMigration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-svm"},
		Spec:       storagemigrationv1.StorageVersionMigrationSpec{Resource: metav1.GroupResource{Group: "apps", Resource: "deployments"}},
	}
}

func TestTable(t *testing.T) {
	if all, _ := registrytest.ColumnNames(Strategy{}.TableColumns()); !slices.Equal(all, []string{"Name", "Resource", "Status"}) {
		t.Errorf("columns %v", all)
	}
	m := migration()
	if row, err := (Strategy{}).TableRow(m); err != nil || !slices.Equal(row, []any{"kite-svm", "deployments.apps", "Unknown"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	m.Status.Conditions = []metav1.Condition{{Type: "Running", Status: "False"}, {Type: "Succeeded", Status: "True"}}
	if row, _ := (Strategy{}).TableRow(m); row[2] != "Succeeded" {
		t.Errorf("status cell %v", row[2])
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	_, err := s.Create(ctx, "", &storagemigrationv1.StorageVersionMigration{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.resource.resource"}) {
		t.Errorf("causes %v", got)
	}
	in := migration()
	in.Status.ResourceVersion = "42"
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := out.(*storagemigrationv1.StorageVersionMigration)
	if m.Status.ResourceVersion != "" {
		t.Errorf("create kept status %+v", m.Status)
	}

	// The spec is immutable.
	changed := m.DeepCopy()
	changed.Spec.Resource.Resource = "statefulsets"
	_, err = s.Update(ctx, "", m.Name, changed, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec"}) {
		t.Errorf("causes %v", got)
	}

	// /status sets the status and nothing else; conditions are checked.
	m.Spec.Resource.Resource = "statefulsets"
	m.Status.Conditions = []metav1.Condition{{Type: "Running", Status: "True", Reason: "Started", LastTransitionTime: metav1.NewTime(time.Now())}}
	out, err = s.Update(ctx, "", m.Name, m, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	m = out.(*storagemigrationv1.StorageVersionMigration)
	if m.Spec.Resource.Resource != "deployments" || len(m.Status.Conditions) != 1 {
		t.Errorf("status update %+v", m)
	}
	m.Status.Conditions = []metav1.Condition{{Type: "Running"}}
	_, err = s.Update(ctx, "", m.Name, m, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); len(got) == 0 {
		t.Error("a condition without status, reason or time was accepted")
	}
}
