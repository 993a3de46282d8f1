package admission

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/horizontalpodautoscaler"
)

func versionsOf(rs []*registry.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GroupVersionResource().String()+" "+r.Kind+" "+slices.Concat(r.Subresources, []string{""})[0])
	}
	return out
}

func TestServedEquivalents(t *testing.T) {
	builtin := []*registry.Resource{configmap.Resource(), event.Resource(), event.EventsResource(),
		horizontalpodautoscaler.Resource(), horizontalpodautoscaler.ResourceV1()}
	crd := crontabs()
	crd.Spec.Versions[0].Subresources = &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}}
	crds := []apiextensionsv1.CustomResourceDefinition{crd}
	eq := ServedEquivalents(builtin, func(_ context.Context, gr schema.GroupResource) (*apiextensionsv1.CustomResourceDefinition, error) {
		for i := range crds {
			if crds[i].Name == gr.Resource+"."+gr.Group {
				return &crds[i], nil
			}
		}
		return nil, nil
	})
	ctx := context.Background()
	check := func(what string, r *registry.Resource, want ...string) {
		t.Helper()
		got, err := eq(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(versionsOf(got), want) {
			t.Errorf("%s: %q, want %q", what, versionsOf(got), want)
		}
	}
	check("config maps", configmap.Resource())
	check("hpa v1", horizontalpodautoscaler.ResourceV1(),
		"autoscaling/v2, Resource=horizontalpodautoscalers HorizontalPodAutoscaler status", "autoscaling/v1, Resource=horizontalpodautoscalers HorizontalPodAutoscaler status")
	check("events.k8s.io", event.EventsResource(), "/v1, Resource=events Event ", "events.k8s.io/v1, Resource=events Event ")
	v2 := &registry.Resource{Group: "stable.example.com", Version: "v2", Resource: "crontabs", Kind: "CronTab"}
	check("custom resource", v2, "stable.example.com/v1, Resource=crontabs CronTab status", "stable.example.com/v2, Resource=crontabs CronTab ")
	check("unknown custom resource", &registry.Resource{Group: "other.example.com", Version: "v1", Resource: "crontabs"})

	crds[0].Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.WebhookConverter}
	check("custom resource converted by a webhook", v2, "stable.example.com/v1, Resource=crontabs CronTab status", "stable.example.com/v2, Resource=crontabs CronTab ")
	crds[0].Spec.Conversion = nil
	crds[0].Status.Conditions = nil
	check("definition not established", v2)
}

// Through the events' storage form, a webhook for events.k8s.io/v1 sees a core/v1
// event create as an events.k8s.io/v1 Event.
func TestEquivalentEvents(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/v": allow})
	hook := withMatchPolicy(validating("ev", ws.url("/v"), rule(allOps, "events.k8s.io", "events")), admissionregistrationv1.Equivalent)
	w := (&configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{hook}}).webhooks(t)
	w.conv.equivalents = ServedEquivalents([]*registry.Resource{event.Resource(), event.EventsResource()}, nil)
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "team"}, Reason: "Started", Message: "started it",
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p", Namespace: "team"}}
	a := &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: event.Resource(), Namespace: "team", Name: "e", Object: ev, Options: &metav1.CreateOptions{}}
	if err := w.Validate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := ws.reviews()
	if len(got) != 1 {
		t.Fatalf("%d calls, want 1", len(got))
	}
	var seen eventsv1.Event
	if err := json.Unmarshal(got[0].Request.Object.Raw, &seen); err != nil {
		t.Fatal(err)
	}
	if seen.APIVersion != "events.k8s.io/v1" || seen.Kind != "Event" || seen.Note != "started it" || seen.Regarding.Name != "p" ||
		got[0].Request.RequestKind.Group != "" || got[0].Request.Kind.Group != "events.k8s.io" {
		t.Errorf("webhook saw %s as %v (request %v)", got[0].Request.Object.Raw, got[0].Request.Kind, got[0].Request.RequestKind)
	}
}
