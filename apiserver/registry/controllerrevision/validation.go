package controllerrevision

import (
	"bytes"
	"context"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks a new revision: a non-negative revision number and data that is a
// JSON object, with upstream's messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	cr := obj.(*appsv1.ControllerRevision)
	errs := apivalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))
	path := field.NewPath("data")
	raw := rawData(cr)
	if raw == nil {
		return append(errs, field.Required(path, "data is mandatory"))
	}
	var v any
	switch err := json.Unmarshal(raw, &v); {
	case err != nil:
		errs = append(errs, field.Invalid(path, "<value omitted>", "error parsing data: "+err.Error()))
	case v == nil:
		errs = append(errs, field.Required(path, "data is mandatory"))
	default:
		if _, ok := v.(map[string]any); !ok {
			errs = append(errs, field.Required(path, "data must be a valid JSON object"))
		}
	}
	return errs
}

// ValidateUpdate checks the revision number and that data did not change: a revision
// is a snapshot.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	cr, o := obj.(*appsv1.ControllerRevision), old.(*appsv1.ControllerRevision)
	errs := apivalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))
	if !bytes.Equal(compact(rawData(cr)), compact(rawData(o))) {
		errs = append(errs, field.Invalid(field.NewPath("data"), cr.Data, "field is immutable"))
	}
	return errs
}

// rawData is the revision's data as JSON. A client-go caller may hand an Object rather
// than bytes; it is encoded so both forms validate alike.
func rawData(cr *appsv1.ControllerRevision) []byte {
	if cr.Data.Raw != nil || cr.Data.Object == nil {
		return cr.Data.Raw
	}
	b, err := json.Marshal(cr.Data.Object)
	if err != nil {
		return nil
	}
	return b
}

// compact drops insignificant whitespace, so re-encoded data compares equal.
func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}
