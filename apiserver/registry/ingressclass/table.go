package ingressclass

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// defaultAnnotation marks the class that ingresses without one get.
const defaultAnnotation = "ingressclass.kubernetes.io/is-default-class"

// TableColumns are upstream's `kubectl get ingressclasses` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Controller", Type: "string", Description: "Controller that is responsible for handling this class"},
		{Name: "Parameters", Type: "string", Description: "A reference to a resource with additional parameters"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the cells of one ingress class: the name (with " (default)" for the
// default class), controller, parameters as Kind[.group]/name, and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	ic, ok := obj.(*networkingv1.IngressClass)
	if !ok {
		return nil, fmt.Errorf("ingressclass: cannot print a %T", obj)
	}
	name := ic.Name
	if ic.Annotations[defaultAnnotation] == "true" {
		name += " (default)"
	}
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []any{name, ic.Spec.Controller, params, registry.Age(ic.CreationTimestamp.Time, s.now())}, nil
}
