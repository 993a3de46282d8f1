package mutatingadmissionpolicy

import (
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/registry/admissionreg"
)

// TableColumns are upstream's `kubectl get` columns for the policy.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Mutations", Type: "integer", Description: "Mutation indicates the number of mutations rules defined in this configuration"},
		{Name: "ParamKind", Type: "string", Description: "ParamKind specifies the kind of resources used to parameterize this policy"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the name, the number of mutations, the param kind and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	p, ok := obj.(*admissionv1.MutatingAdmissionPolicy)
	if !ok {
		return nil, fmt.Errorf("mutatingadmissionpolicy: cannot print a %T", obj)
	}
	return []any{p.Name, int64(len(p.Spec.Mutations)), admissionreg.ParamKindCell(p.Spec.ParamKind), registry.Age(p.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
