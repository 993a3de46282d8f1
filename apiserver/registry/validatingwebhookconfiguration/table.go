package validatingwebhookconfiguration

import (
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get validatingwebhookconfigurations` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Webhooks", Type: "integer", Description: "Webhooks indicates the number of webhooks registered in this configuration"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the name, the number of webhooks and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	c, ok := obj.(*admissionv1.ValidatingWebhookConfiguration)
	if !ok {
		return nil, fmt.Errorf("validatingwebhookconfiguration: cannot print a %T", obj)
	}
	return []any{c.Name, int64(len(c.Webhooks)), registry.Age(c.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
