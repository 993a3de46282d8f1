package componentstatus

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Strategy publishes the verbs (get, list) and upstream's `kubectl get cs` columns.
type Strategy struct{ registry.VirtualStrategy }

// Verbs are what the resource serves: it is read-only.
func (Strategy) Verbs() []string { return []string{"get", "list"} }

// TableColumns are upstream's: Name, Status, Message, Error.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Status", Type: "string", Description: "Status of the component conditions"},
		{Name: "Message", Type: "string", Description: "Message of the component conditions"},
		{Name: "Error", Type: "string", Description: "Error of the component conditions"},
	}
}

// TableRow shows the Healthy condition as upstream's printer does: "Healthy",
// "Unhealthy", or "Unknown" without one.
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	cs, ok := obj.(*corev1.ComponentStatus)
	if !ok {
		return nil, fmt.Errorf("componentstatus: cannot print a %T", obj)
	}
	status, message, errText := "Unknown", "", ""
	for _, c := range cs.Conditions {
		if c.Type != corev1.ComponentHealthy {
			continue
		}
		status = "Unhealthy"
		if c.Status == corev1.ConditionTrue {
			status = "Healthy"
		}
		message, errText = c.Message, c.Error
		break
	}
	return []any{cs.Name, status, message, errText}, nil
}
