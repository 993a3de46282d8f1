package resourceclaim

import (
	"fmt"
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get resourceclaims` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "State", Type: "string", Description: "A summary of the current state (allocated, pending, reserved, etc.)."},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name, state and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	c, ok := obj.(*resourcev1.ResourceClaim)
	if !ok {
		return nil, fmt.Errorf("resourceclaim: cannot print a %T", obj)
	}
	return []any{c.Name, state(c), registry.Age(c.CreationTimestamp.Time, s.now())}, nil
}

// state is upstream's summary: "deleted" first when deleting, then "pending" (not
// allocated, not deleting) or "allocated" and perhaps "reserved", comma-joined.
func state(c *resourcev1.ResourceClaim) string {
	var out []string
	if c.DeletionTimestamp != nil {
		out = append(out, "deleted")
	}
	switch {
	case c.Status.Allocation == nil:
		if c.DeletionTimestamp == nil {
			out = append(out, "pending")
		}
	default:
		out = append(out, "allocated")
		if len(c.Status.ReservedFor) > 0 {
			out = append(out, "reserved")
		}
	}
	return strings.Join(out, ",")
}
