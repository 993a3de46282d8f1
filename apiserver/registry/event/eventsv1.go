package event

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// EventsResource describes events.k8s.io/v1 events as upstream serves them: the same
// stored objects as core/v1 events (Resource), converted at the Store's boundary,
// with names that must be DNS subdomains and the stricter events.k8s.io rules.
func EventsResource() *registry.Resource {
	return &registry.Resource{
		Group:        eventsv1.GroupName,
		Version:      "v1",
		Resource:     "events",
		Kind:         "Event",
		SingularName: "event",
		Namespaced:   true,
		ShortNames:   []string{"ev"},
		StorageTTL:   TTL,
		New:          func() runtime.Object { return &eventsv1.Event{} },
		NewList:      func() runtime.Object { return &eventsv1.EventList{} },
		Strategy:     EventsStrategy{},
		Storage: &registry.StorageForm{
			GroupVersion: corev1.SchemeGroupVersion,
			New:          func() runtime.Object { return &corev1.Event{} },
			ToStorage:    func(obj runtime.Object) (runtime.Object, error) { return ToCore(obj.(*eventsv1.Event)), nil },
			FromStorage:  func(obj runtime.Object) (runtime.Object, error) { return ToEvents(obj.(*corev1.Event)), nil },
		},
	}
}

// EventsStrategy is the events.k8s.io/v1 rules: every event passes the core/v1 checks
// (Strategy), and one written through events.k8s.io/v1 must also be of the newer form
// (an eventTime, a type, none of the deprecated fields) and, once written, keeps what
// it says. Errors name fields as upstream names them, by their core names. Its zero
// value is ready to use.
type EventsStrategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear.
func (EventsStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep: ValidateUpdate refuses changes instead.
func (EventsStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for events.
func (EventsStrategy) Default(runtime.Object) {}

// Validate checks a new event.
func (EventsStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	ev := ToCore(obj.(*eventsv1.Event))
	errs := coreChecks(ctx, ev)
	errs = append(errs, validateSeries(ev)...)
	if ev.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if ev.Type != corev1.EventTypeNormal && ev.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", ev.Type)))
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"firstTimestamp", !ev.FirstTimestamp.IsZero()},
		{"lastTimestamp", !ev.LastTimestamp.IsZero()},
		{"count", ev.Count != 0},
		{"source", ev.Source.Component != "" || ev.Source.Host != ""},
	} {
		if f.set {
			errs = append(errs, field.Invalid(field.NewPath(f.name), "", "needs to be unset"))
		}
	}
	return errs
}

// ValidateUpdate checks the new event and that only its series (and metadata) moved.
func (EventsStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	ev, prev := ToCore(obj.(*eventsv1.Event)), ToCore(old.(*eventsv1.Event))
	errs := coreChecks(ctx, ev)
	if !apiequality.Semantic.DeepEqual(ev.Series, prev.Series) {
		errs = append(errs, validateSeries(ev)...)
	}
	for _, f := range []struct {
		name     string
		now, was any
	}{
		{"involvedObject", ev.InvolvedObject, prev.InvolvedObject},
		{"reason", ev.Reason, prev.Reason},
		{"message", ev.Message, prev.Message},
		{"source", ev.Source, prev.Source},
		{"firstTimestamp", ev.FirstTimestamp, prev.FirstTimestamp},
		{"lastTimestamp", ev.LastTimestamp, prev.LastTimestamp},
		{"count", ev.Count, prev.Count},
		// Upstream checks reason twice; its error list has it twice.
		{"reason", ev.Reason, prev.Reason},
		{"type", ev.Type, prev.Type},
		{"eventTime", ev.EventTime, prev.EventTime},
		{"action", ev.Action, prev.Action},
		{"related", ev.Related, prev.Related},
		{"reportingController", ev.ReportingController, prev.ReportingController},
		{"reportingInstance", ev.ReportingInstance, prev.ReportingInstance},
	} {
		errs = append(errs, apivalidation.ValidateImmutableField(f.now, f.was, field.NewPath(f.name))...)
	}
	return errs
}

// coreChecks are the core/v1 checks every event passes, with the reporter named by its
// events.k8s.io field, as upstream names it for requests outside core/v1.
func coreChecks(ctx context.Context, ev *corev1.Event) field.ErrorList {
	errs := Strategy{}.Validate(ctx, ev)
	for _, e := range errs {
		if e.Field == "reportingComponent" {
			e.Field = "reportingController"
		}
	}
	return errs
}

// validateSeries checks an event series: it counts at least two occurrences and says
// when it saw the last.
func validateSeries(ev *corev1.Event) field.ErrorList {
	if ev.Series == nil {
		return nil
	}
	var errs field.ErrorList
	if ev.Series.Count < 2 {
		errs = append(errs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if ev.Series.LastObservedTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return errs
}

// Fields returns what an events.k8s.io/v1 list can select on: upstream's
// events.k8s.io names for the core/v1 selectable fields.
func (EventsStrategy) Fields(obj runtime.Object) fields.Set {
	ev := obj.(*eventsv1.Event)
	return fields.Set{
		"metadata.name":             ev.Name,
		"metadata.namespace":        ev.Namespace,
		"regarding.kind":            ev.Regarding.Kind,
		"regarding.namespace":       ev.Regarding.Namespace,
		"regarding.name":            ev.Regarding.Name,
		"regarding.uid":             string(ev.Regarding.UID),
		"regarding.apiVersion":      ev.Regarding.APIVersion,
		"regarding.resourceVersion": ev.Regarding.ResourceVersion,
		"regarding.fieldPath":       ev.Regarding.FieldPath,
		"reason":                    ev.Reason,
		"reportingController":       ev.ReportingController,
		"type":                      ev.Type,
	}
}

// TableColumns are core/v1's: upstream prints both versions with one printer.
func (EventsStrategy) TableColumns() []metav1.TableColumnDefinition { return Strategy{}.TableColumns() }

// TableRow prints the event as its core/v1 form prints.
func (s EventsStrategy) TableRow(obj runtime.Object) ([]any, error) {
	ev, ok := obj.(*eventsv1.Event)
	if !ok {
		return nil, fmt.Errorf("event: cannot print a %T", obj)
	}
	return Strategy(s).TableRow(ToCore(ev))
}
