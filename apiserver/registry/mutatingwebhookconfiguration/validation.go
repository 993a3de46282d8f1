package mutatingwebhookconfiguration

import (
	"context"
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/admissionreg"
)

var reinvocationPolicies = []string{"IfNeeded", "Never"}

// Default applies upstream's v1 webhook defaults to every webhook, and the mutating
// one's own: reinvocationPolicy Never.
func (Strategy) Default(obj runtime.Object) {
	c := obj.(*admissionv1.MutatingWebhookConfiguration)
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		admissionreg.DefaultWebhook(view(w))
		if w.ReinvocationPolicy == nil {
			p := admissionv1.NeverReinvocationPolicy
			w.ReinvocationPolicy = &p
		}
	}
}

// Validate checks every webhook with upstream's field paths (webhooks[i].…).
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	c := obj.(*admissionv1.MutatingWebhookConfiguration)
	path := field.NewPath("webhooks")
	var errs field.ErrorList
	names := make([]string, len(c.Webhooks))
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		names[i] = w.Name
		errs = append(errs, admissionreg.ValidateWebhook(view(w), path.Index(i))...)
		if p := w.ReinvocationPolicy; p != nil && !slices.Contains(reinvocationPolicies, string(*p)) {
			errs = append(errs, field.NotSupported(path.Index(i).Child("reinvocationPolicy"), *p, reinvocationPolicies))
		}
	}
	return append(errs, admissionreg.ValidateWebhookNames(names, path)...)
}

// ValidateUpdate checks the new object; nothing is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

func view(w *admissionv1.MutatingWebhook) admissionreg.Webhook {
	return admissionreg.Webhook{
		Name: w.Name, ClientConfig: &w.ClientConfig, Rules: w.Rules,
		FailurePolicy: &w.FailurePolicy, MatchPolicy: &w.MatchPolicy,
		NamespaceSelector: &w.NamespaceSelector, ObjectSelector: &w.ObjectSelector,
		SideEffects: w.SideEffects, TimeoutSeconds: &w.TimeoutSeconds,
		AdmissionReviewVersions: w.AdmissionReviewVersions, MatchConditions: w.MatchConditions,
	}
}
