package runtimeclass

import (
	"fmt"

	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get runtimeclasses` columns. Upstream takes the
// Handler description from ObjectMeta's docs, which have no such entry, so it is empty.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Handler", Type: "string", Description: meta["handler"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the cells of one runtime class: name, handler and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	rc, ok := obj.(*nodev1.RuntimeClass)
	if !ok {
		return nil, fmt.Errorf("runtimeclass: cannot print a %T", obj)
	}
	return []any{rc.Name, rc.Handler, registry.Age(rc.CreationTimestamp.Time, s.now())}, nil
}
