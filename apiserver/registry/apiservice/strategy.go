package apiservice

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// Strategy is the APIService rules. Its zero value is ready to use.
type Strategy struct {
	// Clock stamps the Available condition and is what table ages are measured
	// against (nil: the real clock).
	Clock clock.PassiveClock
}

// Default gives a service reference upstream's default port, 443.
func (Strategy) Default(obj runtime.Object) {
	if svc := obj.(*apiregistrationv1.APIService).Spec.Service; svc != nil && svc.Port == nil {
		port := int32(443)
		svc.Port = &port
	}
}

// PrepareForCreate replaces the status with what Kite knows at once: a local
// APIService is served by this server and so available, as upstream marks it on
// create; one that names a service is not, because Kite does not proxy to it.
func (s Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	a := obj.(*apiregistrationv1.APIService)
	a.Status = apiregistrationv1.APIServiceStatus{}
	setCondition(a, availability(a, s.now()))
}

// PrepareForUpdate keeps the status, which has its own subresource, unless the update
// moves the APIService between local and remote: then its availability changed, as
// upstream's availability controller would report moments later.
func (s Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	a, o := obj.(*apiregistrationv1.APIService), old.(*apiregistrationv1.APIService)
	a.Status = *o.Status.DeepCopy()
	if (a.Spec.Service == nil) != (o.Spec.Service == nil) {
		setCondition(a, availability(a, s.now()))
	}
}

// PrepareForStatusUpdate keeps the spec and metadata, as upstream's status strategy
// resets them.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	a, o := obj.(*apiregistrationv1.APIService), old.(*apiregistrationv1.APIService)
	a.Spec = o.Spec
	metav1.ResetObjectMetaForStatus(&a.ObjectMeta, &o.ObjectMeta)
}

// SpecChanged bumps metadata.generation on spec changes.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equalSpec(obj.(*apiregistrationv1.APIService).Spec, old.(*apiregistrationv1.APIService).Spec)
}

// availability is the Available condition Kite reports for a.
func availability(a *apiregistrationv1.APIService, now time.Time) apiregistrationv1.APIServiceCondition {
	c := apiregistrationv1.APIServiceCondition{
		Type:               apiregistrationv1.Available,
		Status:             apiregistrationv1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(now.Truncate(time.Second)),
		Reason:             "Local",
		Message:            "Local APIServices are always available",
	}
	if svc := a.Spec.Service; svc != nil {
		c.Status = apiregistrationv1.ConditionFalse
		c.Reason = "FailedDiscoveryCheck"
		c.Message = fmt.Sprintf("service %s/%s is not reachable: this API server does not proxy to aggregated API servers", svc.Namespace, svc.Name)
	}
	return c
}

// setCondition replaces the condition of c's type, or adds it.
func setCondition(a *apiregistrationv1.APIService, c apiregistrationv1.APIServiceCondition) {
	for i := range a.Status.Conditions {
		if a.Status.Conditions[i].Type == c.Type {
			a.Status.Conditions[i] = c
			return
		}
	}
	a.Status.Conditions = append(a.Status.Conditions, c)
}

// TableColumns are upstream's `kubectl get apiservices` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Service", Type: "string", Description: "The reference to the service that hosts this API endpoint."},
		{Name: "Available", Type: "string", Description: "Whether this service is available."},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the name, "Local" or the service's namespace/name, the Available
// condition (with its reason when it is not True) and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	a, ok := obj.(*apiregistrationv1.APIService)
	if !ok {
		return nil, fmt.Errorf("apiservice: cannot print a %T", obj)
	}
	service := "Local"
	if svc := a.Spec.Service; svc != nil {
		service = svc.Namespace + "/" + svc.Name
	}
	available := string(apiregistrationv1.ConditionUnknown)
	for _, c := range a.Status.Conditions {
		if c.Type != apiregistrationv1.Available {
			continue
		}
		available = string(c.Status)
		if c.Status != apiregistrationv1.ConditionTrue && c.Reason != "" {
			available += " (" + c.Reason + ")"
		}
	}
	return []any{a.Name, service, available, registry.Age(a.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
