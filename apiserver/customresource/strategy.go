package customresource

import (
	"context"
	"reflect"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// Strategy is the rules of one served version of a custom resource.
type Strategy struct {
	kinds  kinds
	schema *versionSchema
	// status is set when the version declares the status subresource: status then
	// changes only through /status, and metadata.generation ignores it.
	status bool
	table  *table
	// selectable are the version's selectableFields, by field path.
	selectable []selectableField
}

func content(obj runtime.Object) map[string]any {
	return obj.(*unstructured.Unstructured).Object
}

// Default applies the schema's defaults.
func (s *Strategy) Default(obj runtime.Object) { s.schema.defaults(content(obj)) }

// PrepareForCreate drops the status when it is a subresource.
func (s *Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	if s.status {
		delete(content(obj), "status")
	}
}

// PrepareForUpdate keeps the stored status when it is a subresource.
func (s *Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if !s.status {
		return
	}
	m, prev := content(obj), content(old)
	if st, ok := prev["status"]; ok {
		m["status"] = runtime.DeepCopyJSONValue(st)
	} else {
		delete(m, "status")
	}
}

// PrepareForStatusUpdate keeps everything but the status from the stored object, as
// upstream: metadata too, except what identifies the update (resourceVersion) and
// records it (managedFields).
func (s *Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	u := obj.(*unstructured.Unstructured)
	status, hasStatus := u.Object["status"]
	rv, managed := u.GetResourceVersion(), u.GetManagedFields()
	u.Object = runtime.DeepCopyJSON(content(old))
	u.SetResourceVersion(rv)
	u.SetManagedFields(managed)
	if hasStatus {
		u.Object["status"] = status
	} else {
		delete(u.Object, "status")
	}
}

// SpecChanged says whether anything but metadata (and status, when it is a
// subresource) changed: upstream bumps metadata.generation then.
func (s *Strategy) SpecChanged(obj, old runtime.Object) bool {
	strip := func(m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			if k == "metadata" || (s.status && k == "status") || k == "apiVersion" || k == "kind" {
				continue
			}
			out[k] = v
		}
		return out
	}
	return !reflect.DeepEqual(strip(content(obj)), strip(content(old)))
}

// Validate checks an object against the schema: its types, formats, enums, ranges
// and required fields, the list types and the metadata the schema constrains.
func (s *Strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	if s.schema.validator != nil {
		errs = apiservervalidation.ValidateCustomResource(nil, s.typed(obj), s.schema.validator)
	}
	errs = append(errs, s.common(ctx, obj)...)
	return s.rules(ctx, errs, obj, nil)
}

// ValidateUpdate checks an update as Validate does; upstream ratchets unchanged
// invalid values, which Kite does not yet.
func (s *Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	var errs field.ErrorList
	if s.schema.validator != nil {
		errs = apiservervalidation.ValidateCustomResourceUpdate(nil, s.typed(obj), s.typed(old), s.schema.validator)
	}
	errs = append(errs, s.common(ctx, obj)...)
	return s.rules(ctx, errs, obj, old)
}

// rules adds the errors of the schema's x-kubernetes-validations (CEL) rules to errs,
// unless errs already shows the object is malformed, as upstream: then one error says
// the rules were not checked. old is nil on create; with it, transition rules run.
func (s *Strategy) rules(ctx context.Context, errs field.ErrorList, obj, old runtime.Object) field.ErrorList {
	if s.schema.cel == nil {
		return errs
	}
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
		}
	}
	var prev any
	if old != nil {
		prev = s.typed(old)
	}
	celErrs, _ := s.schema.cel.Validate(ctx, nil, s.schema.structural, s.typed(obj), prev, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

// ValidateStatusUpdate checks a status update: the whole object, as upstream.
func (s *Strategy) ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.ValidateUpdate(ctx, obj, old)
}

func (s *Strategy) common(ctx context.Context, obj runtime.Object) field.ErrorList {
	st := s.schema.structural
	if st == nil {
		return nil
	}
	m := s.typed(obj)
	// The root's metadata is the Store's to validate; this checks embedded resources.
	errs := objectmeta.Validate(ctx, nil, m, st, false)
	return append(errs, listtype.ValidateListSetsAndMaps(nil, st, m)...)
}

// typed is obj's content with the served apiVersion and kind, which objects read from
// storage do not carry (the registry clears them) but the schema may require.
func (s *Strategy) typed(obj runtime.Object) map[string]any {
	return stamp(obj, s.kinds.gvk.GroupVersion(), s.kinds).(*unstructured.Unstructured).Object
}

// Fields returns metadata.name, metadata.namespace and the selectable fields.
func (s *Strategy) Fields(obj runtime.Object) fields.Set {
	u := obj.(*unstructured.Unstructured)
	set := fields.Set{"metadata.name": u.GetName(), "metadata.namespace": u.GetNamespace()}
	for _, f := range s.selectable {
		set[f.path] = f.value(u.Object)
	}
	return set
}

// StorageVersion is the kind objects are stored as; discovery hashes it.
func (s *Strategy) StorageVersion() schema.GroupVersionKind {
	return s.kinds.storage.WithKind(s.kinds.gvk.Kind)
}

// TableColumns are Name and the version's additionalPrinterColumns (Age by default).
func (s *Strategy) TableColumns() []metav1.TableColumnDefinition { return s.table.columns }

// TableRow prints obj's cells.
func (s *Strategy) TableRow(obj runtime.Object) ([]any, error) { return s.table.row(content(obj)) }
