package ipaddress

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the IPAddress rules. Its zero value is ready to use.
type Strategy struct{}

// PrepareForCreate has nothing to clear: an IPAddress has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; ValidateUpdate guards parentRef.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for IPAddresses.
func (Strategy) Default(runtime.Object) {}

// Validate checks spec.parentRef: required, with a resource and a name.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ref := obj.(*networkingv1.IPAddress).Spec.ParentRef
	p := field.NewPath("spec", "parentRef")
	if ref == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if ref.Group != "" {
		for _, msg := range validation.IsDNS1123Subdomain(ref.Group) {
			errs = append(errs, field.Invalid(p.Child("group"), ref.Group, msg))
		}
	}
	segment := func(name, value string, required bool) {
		if value == "" {
			if required {
				errs = append(errs, field.Required(p.Child(name), ""))
			}
			return
		}
		for _, msg := range path.IsValidPathSegmentName(value) {
			errs = append(errs, field.Invalid(p.Child(name), value, msg))
		}
	}
	segment("resource", ref.Resource, true)
	segment("name", ref.Name, true)
	segment("namespace", ref.Namespace, false)
	return errs
}

// ValidateUpdate keeps parentRef: an IP changes hands only by delete and create.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*networkingv1.IPAddress).Spec.ParentRef, old.(*networkingv1.IPAddress).Spec.ParentRef, field.NewPath("spec", "parentRef"))
}

// TableColumns are upstream's `kubectl get ipaddresses` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "ParentRef", Type: "string", Description: networkingv1.IPAddressSpec{}.SwaggerDoc()["parentRef"]},
	}
}

// TableRow returns the IP and its holder as "resource.group/namespace/name" ("<none>"
// without one). Upstream's printer also appends an age cell its columns do not
// declare; a row here has one cell per column.
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	ip, ok := obj.(*networkingv1.IPAddress)
	if !ok {
		return nil, fmt.Errorf("ipaddress: cannot print a %T", obj)
	}
	parent := "<none>"
	if r := ip.Spec.ParentRef; r != nil {
		parent = strings.ToLower(schema.GroupResource{Group: r.Group, Resource: r.Resource}.String())
		if r.Namespace != "" {
			parent += "/" + r.Namespace
		}
		parent += "/" + r.Name
	}
	return []any{ip.Name, parent}, nil
}
