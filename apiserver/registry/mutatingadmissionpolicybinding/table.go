package mutatingadmissionpolicybinding

import (
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/registry/admissionreg"
)

// TableColumns are upstream's `kubectl get` columns for the binding.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "PolicyName", Type: "string", Description: "PolicyName indicates the policy definition which the policy binding binded to"},
		{Name: "ParamRef", Type: "string", Description: "ParamRef indicates the param resource which sets the configuration param"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the name, the bound policy, the param reference and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	b, ok := obj.(*admissionv1.MutatingAdmissionPolicyBinding)
	if !ok {
		return nil, fmt.Errorf("mutatingadmissionpolicybinding: cannot print a %T", obj)
	}
	return []any{b.Name, b.Spec.PolicyName, admissionreg.ParamRefCell(b.Spec.ParamRef), registry.Age(b.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
