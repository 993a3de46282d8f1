package admission

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"kite/apiserver/registry"
	"kite/apiserver/warning"
)

// WebhookConfig configures Webhooks.
type WebhookConfig struct {
	// Mutating and Validating list the stored webhook configurations. Required.
	Mutating   func(ctx context.Context) ([]admissionregistrationv1.MutatingWebhookConfiguration, error)
	Validating func(ctx context.Context) ([]admissionregistrationv1.ValidatingWebhookConfiguration, error)
	// Namespace reads a namespace, for namespace selectors. Required.
	Namespace func(ctx context.Context, name string) (*corev1.Namespace, error)
	// Resolve finds the endpoint of a webhook's Service (ServiceResolver). Required.
	Resolve ResolveFunc
	// Logger records webhooks that failed open. Default: slog.Default().
	Logger *slog.Logger
	// MutatingPolicies and ValidatingPolicies, when set, run just before the mutating
	// and the validating webhooks, as upstream orders its plugins
	// (MutatingAdmissionPolicy, MutatingAdmissionWebhook; ValidatingAdmissionPolicy,
	// ValidatingAdmissionWebhook): every Store then enforces the policies on every
	// write, as it calls the webhooks.
	MutatingPolicies   *MutatingPolicies
	ValidatingPolicies *ValidatingPolicies
	// Authorizer decides the checks match conditions make through the authorizer
	// variables. Default: AllowAuthenticated (until RBAC).
	Authorizer authorizer.Authorizer
	// Equivalents lists a resource's equivalents, for webhooks with matchPolicy
	// Equivalent (webhookequivalent.go). Optional: without it a rule must name the
	// requested resource.
	Equivalents Equivalents
	// ConvertCustom converts custom resource objects between the versions of their
	// definition. Optional: by default only apiVersion changes (strategy None).
	ConvertCustom CustomConverter
}

// Webhooks calls the admission webhooks of the stored MutatingWebhookConfigurations
// and ValidatingWebhookConfigurations, as upstream's MutatingAdmissionWebhook and
// ValidatingAdmissionWebhook plugins; it is every Store's registry.Webhooks.
//
// Mutating webhooks run one after another (configurations in name order, then each
// one's webhooks in order), each seeing the object as the previous left it; one with
// reinvocationPolicy IfNeeded runs a second time when a later webhook changed the
// object. Validating webhooks run in parallel and the first refusal in webhook order
// is returned. A webhook that cannot be called (or answers nonsense) refuses the
// request with 500 under failurePolicy Fail and is skipped under Ignore; one that
// refuses answers with its status (400 when it gives no code of 400 or more). Requests
// for the admissionregistration.k8s.io resources are never sent to webhooks.
//
// A response's warnings reach the client as Warning headers (kite/apiserver/warning),
// allowed or not. A webhook with matchPolicy Equivalent also sees requests for the
// resources equivalent to those its rules name, converted (webhookequivalent.go). Not
// supported yet: audit annotations.
type Webhooks struct {
	cfg   WebhookConfig
	progs *programs
	conv  versioner
}

// NewWebhooks validates cfg and returns the webhook dispatcher.
func NewWebhooks(cfg WebhookConfig) (*Webhooks, error) {
	if cfg.Mutating == nil || cfg.Validating == nil || cfg.Namespace == nil || cfg.Resolve == nil {
		return nil, errors.New("admission: WebhookConfig needs Mutating, Validating, Namespace and Resolve")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Authorizer == nil {
		cfg.Authorizer = AllowAuthenticated{}
	}
	progs, err := newMatchPrograms()
	if err != nil {
		return nil, err
	}
	return &Webhooks{cfg: cfg, progs: progs, conv: versioner{equivalents: cfg.Equivalents, custom: cfg.ConvertCustom}}, nil
}

// Mutate calls the mutating webhooks that match a, applying their patches to
// a.Object.
func (w *Webhooks) Mutate(ctx context.Context, a *registry.Attributes) error {
	if exempt(a) {
		return nil
	}
	if w.cfg.MutatingPolicies != nil {
		if err := w.cfg.MutatingPolicies.Mutate(ctx, a); err != nil {
			return err
		}
	}
	configs, err := w.cfg.Mutating(ctx)
	if err != nil || len(configs) == 0 {
		return err
	}
	hooks := mutatingHooks(configs)
	// called[i] tells whether hook i ran; lastChange is the last hook that changed the
	// object.
	called := make([]bool, len(hooks))
	lastChange := -1
	for i, h := range hooks {
		ran, changed, err := w.mutateOnce(ctx, h, a)
		if err != nil {
			return err
		}
		called[i] = ran
		if changed {
			lastChange = i
		}
	}
	// Reinvocation: a webhook that asked for it sees the object again when one
	// called after it changed it. Once only, as upstream.
	for i, h := range hooks {
		if !h.reinvoke || !called[i] || i >= lastChange {
			continue
		}
		if _, _, err := w.mutateOnce(ctx, h, a); err != nil {
			return err
		}
	}
	return nil
}

// mutateOnce calls h if it matches a, and applies its patch. It reports whether h was
// called and whether the object changed.
func (w *Webhooks) mutateOnce(ctx context.Context, h *hook, a *registry.Attributes) (bool, bool, error) {
	req, v, ok, err := w.matched(ctx, h, a)
	if err != nil || !ok {
		return false, false, err
	}
	resp, err := w.call(ctx, h, req)
	if err != nil {
		return true, false, w.callFailed(h, fmt.Errorf("failed to call webhook: %w", err))
	}
	warn(ctx, resp)
	if !resp.Allowed {
		return true, false, denied(h, resp.Result)
	}
	if len(resp.Patch) == 0 || a.Object == nil || a.Operation == admissionregistrationv1.Connect || a.Operation == admissionregistrationv1.Delete {
		return true, false, nil
	}
	if resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		return true, false, w.callFailed(h, fmt.Errorf("received invalid webhook response: patchType must be %q with a patch", admissionv1.PatchTypeJSONPatch))
	}
	// The patch applies to the object the webhook saw: converted to its rule's
	// kind under matchPolicy Equivalent, and converted back.
	changed, err := applyPatch(v.Object, kindOf(v), resp.Patch)
	if err != nil {
		// A patch that does not apply is the webhook's fault, judged by its failure
		// policy as upstream.
		return true, false, w.callFailed(h, err)
	}
	if changed && v != a {
		if err := w.conv.convertBack(ctx, a, v); err != nil {
			return true, false, apierrors.NewInternalError(err)
		}
	}
	if changed {
		a.Mutated = true
	}
	return true, changed, nil
}

// Validate calls the validating webhooks that match a, in parallel.
func (w *Webhooks) Validate(ctx context.Context, a *registry.Attributes) error {
	if exempt(a) {
		return nil
	}
	if w.cfg.ValidatingPolicies != nil {
		if err := w.cfg.ValidatingPolicies.Validate(ctx, a); err != nil {
			return err
		}
	}
	configs, err := w.cfg.Validating(ctx)
	if err != nil || len(configs) == 0 {
		return err
	}
	hooks := validatingHooks(configs)
	errs := make([]error, len(hooks))
	var wg sync.WaitGroup
	for i, h := range hooks {
		req, _, ok, err := w.matched(ctx, h, a)
		if err != nil {
			errs[i] = err
			continue
		}
		if !ok {
			continue
		}
		wg.Go(func() {
			resp, err := w.call(ctx, h, req)
			if err != nil {
				errs[i] = w.callFailed(h, fmt.Errorf("failed to call webhook: %w", err))
				return
			}
			warn(ctx, resp)
			if !resp.Allowed {
				errs[i] = denied(h, resp.Result)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// matched decides whether h is called for a, and builds the request when it is, with
// the attributes h sees: a itself, or a converted to the equivalent resource h's rule
// names. Its errors are the request's answer (a dry run h does not support; a
// namespace that could not be read; a match condition that could not be judged, under
// failurePolicy Fail; an object that could not be converted).
func (w *Webhooks) matched(ctx context.Context, h *hook, a *registry.Attributes) (*admissionv1.AdmissionRequest, *registry.Attributes, bool, error) {
	var equivalent equivalentMatch
	if !rulesMatch(h.rules, a) {
		var ok bool
		var err error
		if equivalent, ok, err = w.equivalentRule(ctx, h, a); err != nil {
			return nil, nil, false, apierrors.NewInternalError(err)
		}
		if !ok {
			return nil, nil, false, nil
		}
	}
	if !objectSelected(h, a) {
		return nil, nil, false, nil
	}
	ok, err := namespaceSelected(ctx, h, a, w.cfg.Namespace)
	if apierrors.IsNotFound(err) {
		// A create in a namespace that does not exist is answered as the namespace
		// lifecycle check answers it (upstream runs that first).
		return nil, nil, false, err
	}
	if err != nil {
		return nil, nil, false, apierrors.NewInternalError(err)
	}
	if !ok {
		return nil, nil, false, nil
	}
	v := a
	if equivalent.resource != nil {
		if v, err = w.conv.versioned(ctx, a, equivalent); err != nil {
			return nil, nil, false, apierrors.NewInternalError(err)
		}
	}
	req, err := newRequest(ctx, v)
	if err != nil {
		return nil, nil, false, apierrors.NewInternalError(err)
	}
	if v != a {
		// The request as made, beside the resource the webhook asked for.
		gvk, gvr := kindOf(a), a.Resource.GroupVersionResource()
		req.RequestKind = &metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind}
		req.RequestResource = &metav1.GroupVersionResource{Group: gvr.Group, Version: gvr.Version, Resource: gvr.Resource}
		req.RequestSubResource = a.Subresource
	}
	ok, err = conditionsMatch(w.progs, h, func() map[string]any { return matchInput(ctx, w.cfg.Authorizer, a, req) })
	if err != nil {
		return nil, nil, false, w.callFailed(h, err)
	}
	if !ok {
		return nil, nil, false, nil
	}
	if a.DryRun && !noSideEffects(h) {
		return nil, nil, false, apierrors.NewBadRequest(fmt.Sprintf("admission webhook %q does not support dry run", h.name))
	}
	return req, v, true, nil
}

// warn passes a webhook's warnings on to the client, whether it allowed the request
// or not, as upstream does.
func warn(ctx context.Context, resp *admissionv1.AdmissionResponse) {
	for _, text := range resp.Warnings {
		warning.Add(ctx, text)
	}
}

// callFailed applies h's failure policy to a failure to reach or understand it: nil
// (logged) when it fails open, a 500 when it fails closed (the default).
func (w *Webhooks) callFailed(h *hook, err error) error {
	err = fmt.Errorf("failed calling webhook %q: %w", h.name, err)
	if !failClosed(h.failurePolicy) {
		w.cfg.Logger.Warn("admission webhook failed, failing open", "webhook", h.name, "err", err)
		return nil
	}
	return apierrors.NewInternalError(err)
}

// denied is the error of a webhook that refused the request with result, in
// upstream's words.
func denied(h *hook, result *metav1.Status) error {
	st := metav1.Status{}
	if result != nil {
		st = *result
	}
	by := fmt.Sprintf("admission webhook %q denied the request", h.name)
	switch {
	case st.Message != "":
		st.Message = by + ": " + st.Message
	case st.Reason != "":
		st.Message = by + ": " + string(st.Reason)
	default:
		st.Message = by + " without explanation"
	}
	// A refusal is never a success: below 400 (none given, say) it is a 400.
	if st.Code < http.StatusBadRequest {
		st.Code = http.StatusBadRequest
	}
	st.Status = metav1.StatusFailure
	return &apierrors.StatusError{ErrStatus: st}
}
