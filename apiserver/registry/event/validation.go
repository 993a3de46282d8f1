package event

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's length limits for the newer event fields.
const (
	maxReportingInstance = 128
	maxAction            = 128
	maxReason            = 128
	maxMessage           = 1024
)

// Validate checks an event as upstream checks core/v1 events (the Store checks its
// metadata). Events without an eventTime are the old form: only the namespaces are
// checked. Events with one must also name who reported what. In core/v1 the reporter
// field is called reportingComponent, and errors name it so.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ev := obj.(*corev1.Event)
	nsPath := field.NewPath("involvedObject", "namespace")
	mismatch := field.Invalid(nsPath, ev.InvolvedObject.Namespace, "does not match event.namespace")
	if ev.EventTime.IsZero() {
		// An event about a cluster-scoped object lives in "default" (or, from old
		// clients, in no namespace).
		if ev.InvolvedObject.Namespace == "" {
			if ev.Namespace != metav1.NamespaceNone && ev.Namespace != metav1.NamespaceDefault {
				return field.ErrorList{mismatch}
			}
		} else if ev.Namespace != ev.InvolvedObject.Namespace {
			return field.ErrorList{mismatch}
		}
		return nil
	}

	var errs field.ErrorList
	if ev.InvolvedObject.Namespace == "" && ev.Namespace != metav1.NamespaceDefault && ev.Namespace != metav1.NamespaceSystem {
		errs = append(errs, mismatch)
	}
	reporter := field.NewPath("reportingComponent")
	if ev.ReportingController == "" {
		errs = append(errs, field.Required(reporter, ""))
	}
	for _, msg := range validation.IsQualifiedName(ev.ReportingController) {
		errs = append(errs, field.Invalid(reporter, ev.ReportingController, msg))
	}
	errs = append(errs, requiredWithin(ev.ReportingInstance, field.NewPath("reportingInstance"), maxReportingInstance)...)
	errs = append(errs, requiredWithin(ev.Action, field.NewPath("action"), maxAction)...)
	errs = append(errs, requiredWithin(ev.Reason, field.NewPath("reason"), maxReason)...)
	if len(ev.Message) > maxMessage {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %d characters", maxMessage)))
	}
	return errs
}

// ValidateUpdate checks the new event as a new one: core/v1 events have no immutable
// fields (upstream's stricter update rules apply to events.k8s.io/v1 only).
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// requiredWithin checks that value is set and at most limit bytes long.
func requiredWithin(value string, path *field.Path, limit int) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if len(value) > limit {
		return field.ErrorList{field.Invalid(path, "", fmt.Sprintf("can have at most %d characters", limit))}
	}
	return nil
}
