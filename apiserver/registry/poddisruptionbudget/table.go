package poddisruptionbudget

import (
	"fmt"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get pdb` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
		{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
		{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the bounds ("N/A" for the one not given), the disruptions the
// controller allows now, and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	p, ok := obj.(*policyv1.PodDisruptionBudget)
	if !ok {
		return nil, fmt.Errorf("poddisruptionbudget: cannot print a %T", obj)
	}
	minAvailable, maxUnavailable := "N/A", "N/A"
	if p.Spec.MinAvailable != nil {
		minAvailable = p.Spec.MinAvailable.String()
	}
	if p.Spec.MaxUnavailable != nil {
		maxUnavailable = p.Spec.MaxUnavailable.String()
	}
	return []any{p.Name, minAvailable, maxUnavailable, int64(p.Status.DisruptionsAllowed), registry.Age(p.CreationTimestamp.Time, s.now())}, nil
}
