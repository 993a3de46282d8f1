package validatingwebhookconfiguration

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/admissionreg"
)

// Default applies upstream's v1 webhook defaults to every webhook.
func (Strategy) Default(obj runtime.Object) {
	c := obj.(*admissionv1.ValidatingWebhookConfiguration)
	for i := range c.Webhooks {
		admissionreg.DefaultWebhook(view(&c.Webhooks[i]))
	}
}

// Validate checks every webhook with upstream's field paths (webhooks[i].…).
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	c := obj.(*admissionv1.ValidatingWebhookConfiguration)
	path := field.NewPath("webhooks")
	var errs field.ErrorList
	names := make([]string, len(c.Webhooks))
	for i := range c.Webhooks {
		names[i] = c.Webhooks[i].Name
		errs = append(errs, admissionreg.ValidateWebhook(view(&c.Webhooks[i]), path.Index(i))...)
	}
	return append(errs, admissionreg.ValidateWebhookNames(names, path)...)
}

// ValidateUpdate checks the new object; nothing is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

func view(w *admissionv1.ValidatingWebhook) admissionreg.Webhook {
	return admissionreg.Webhook{
		Name: w.Name, ClientConfig: &w.ClientConfig, Rules: w.Rules,
		FailurePolicy: &w.FailurePolicy, MatchPolicy: &w.MatchPolicy,
		NamespaceSelector: &w.NamespaceSelector, ObjectSelector: &w.ObjectSelector,
		SideEffects: w.SideEffects, TimeoutSeconds: &w.TimeoutSeconds,
		AdmissionReviewVersions: w.AdmissionReviewVersions, MatchConditions: w.MatchConditions,
	}
}
