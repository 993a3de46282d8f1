package runtimeclass

import (
	"context"

	nodev1 "k8s.io/api/node/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks a runtime class with upstream's field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	rc := obj.(*nodev1.RuntimeClass)
	var errs field.ErrorList
	path := field.NewPath("handler")
	if rc.Handler == "" {
		errs = append(errs, field.Required(path, ""))
	} else {
		for _, msg := range apivalidation.NameIsDNSLabel(rc.Handler, false) {
			errs = append(errs, field.Invalid(path, rc.Handler, msg))
		}
	}
	if rc.Overhead != nil {
		errs = append(errs, validateOverhead(rc.Overhead, field.NewPath("overhead"))...)
	}
	if rc.Scheduling != nil {
		errs = append(errs, metav1validation.ValidateLabels(rc.Scheduling.NodeSelector, field.NewPath("scheduling", "nodeSelector"))...)
	}
	return errs
}

// ValidateUpdate forbids changing the handler: pods already running with the class
// were started by the old one. Upstream checks nothing else on update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rc, oldRC := obj.(*nodev1.RuntimeClass), old.(*nodev1.RuntimeClass)
	return apivalidation.ValidateImmutableField(rc.Handler, oldRC.Handler, field.NewPath("handler"))
}

// validateOverhead checks the fixed pod overhead as upstream checks container limits:
// no negative quantity.
func validateOverhead(o *nodev1.Overhead, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range o.PodFixed {
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(path.Child("podFixed").Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}
