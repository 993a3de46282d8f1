package storageversionmigration

import (
	"fmt"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TableColumns are upstream's `kubectl get storageversionmigrations` columns: no age,
// and (as upstream) no name format on the Name column.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Resource", Type: "string", Description: "GroupResource to migrate"},
		{Name: "Status", Type: "string", Description: "Status of the migration"},
	}
}

// TableRow returns the name, the resource ("deployments.apps") and the last true
// Running, Succeeded or Failed condition ("Unknown" when none is).
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	m, ok := obj.(*storagemigrationv1.StorageVersionMigration)
	if !ok {
		return nil, fmt.Errorf("storageversionmigration: cannot print a %T", obj)
	}
	status := "Unknown"
	for _, c := range m.Status.Conditions {
		if c.Status != metav1.ConditionTrue {
			continue
		}
		switch storagemigrationv1.MigrationConditionType(c.Type) {
		case storagemigrationv1.MigrationRunning, storagemigrationv1.MigrationSucceeded, storagemigrationv1.MigrationFailed:
			status = c.Type
		}
	}
	return []any{m.Name, m.Spec.Resource.String(), status}, nil
}
