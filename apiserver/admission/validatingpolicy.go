package admission

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/common/types"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/warning"
)

// PolicySource is what ValidatingPolicies reads.
type PolicySource = Source[admissionregistrationv1.ValidatingAdmissionPolicy, admissionregistrationv1.ValidatingAdmissionPolicyBinding]

// ValidatingPolicies enforces ValidatingAdmissionPolicies, as upstream's
// ValidatingAdmissionPolicy plugin, on every write a Store admits (CREATE, UPDATE of
// the object and its subresources, DELETE, CONNECT): each binding whose policy matches
// the request (resource rules with operations and subresources, namespace and object
// selectors, of the policy and of the binding; then the policy's match conditions)
// evaluates the policy's CEL validations over object, oldObject, namespaceObject,
// request, params and variables, once per parameter object the binding names. A false
// validation with the Deny action refuses the request with the validation's reason (422
// Invalid unless it says otherwise), and with the Warn action each false validation
// warns the client (kite/apiserver/warning), in upstream's words. Every binding is
// evaluated even after one refused, so that all warnings reach the client; the first
// refusal is the answer. Kite keeps no audit log: audit annotations are evaluated
// (one that fails refuses the request under failurePolicy Fail, as upstream) and then
// dropped, and a binding with the Audit action only has no effect. Compiled programs
// are kept by expression.
type ValidatingPolicies struct {
	step *policyStep[admissionregistrationv1.ValidatingAdmissionPolicy, admissionregistrationv1.ValidatingAdmissionPolicyBinding]
}

// NewValidatingPolicies returns the enforcement step over src.
func NewValidatingPolicies(src PolicySource) (*ValidatingPolicies, error) {
	step, err := newPolicyStep("PolicySource", src, bindValidating)
	if err != nil {
		return nil, err
	}
	return &ValidatingPolicies{step: step}, nil
}

// bindValidating skips bindings with neither the Deny nor the Warn action: Kite has
// no audit log, so such a binding has no effect.
func bindValidating(policies []admissionregistrationv1.ValidatingAdmissionPolicy, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) binding[admissionregistrationv1.ValidatingAdmissionPolicy] {
	p := named(policies, b.Spec.PolicyName)
	acts := b.Spec.ValidationActions
	if p == nil || !slices.Contains(acts, admissionregistrationv1.Deny) && !slices.Contains(acts, admissionregistrationv1.Warn) {
		return binding[admissionregistrationv1.ValidatingAdmissionPolicy]{}
	}
	return binding[admissionregistrationv1.ValidatingAdmissionPolicy]{policy: p, policyMatch: p.Spec.MatchConstraints, bindingMatch: b.Spec.MatchResources,
		conditions: p.Spec.MatchConditions, paramKind: p.Spec.ParamKind, paramRef: b.Spec.ParamRef, failClosed: failClosed(p.Spec.FailurePolicy), ok: true}
}

// For returns the admission step of creates of resource r (tests and callers that
// admit a create alone).
func (v *ValidatingPolicies) For(r *registry.Resource) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		acc, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		return v.Validate(ctx, &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: r,
			Namespace: acc.GetNamespace(), Name: acc.GetName(), Object: obj})
	}
}

// Validate judges the request a by the policies that match it.
func (v *ValidatingPolicies) Validate(ctx context.Context, a *registry.Attributes) error {
	var refused error
	err := v.step.each(ctx, a, func(p *admissionregistrationv1.ValidatingAdmissionPolicy, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, in map[string]any, _ *registry.Attributes, cfgErr error) error {
		if cfgErr != nil {
			if refused == nil {
				refused = deny(p, b, admissionregistrationv1.Validation{}, cfgErr.Error())
			}
			return nil
		}
		if err := v.evaluate(ctx, p, b, in); err != nil && refused == nil {
			refused = err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return refused
}

// failure is one validation that did not hold, with the message to give.
type failure struct {
	val admissionregistrationv1.Validation
	msg string
}

// evaluate judges the object by p under binding b: every validation that does not
// hold warns (with the Warn action), and the first refuses (with Deny). base is
// shared by the bindings, so each evaluation works on a copy.
func (v *ValidatingPolicies) evaluate(ctx context.Context, p *admissionregistrationv1.ValidatingAdmissionPolicy, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, base map[string]any) error {
	failures := v.failures(p, base)
	if len(failures) == 0 {
		return nil
	}
	if slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Warn) {
		for _, f := range failures {
			warning.Add(ctx, fmt.Sprintf("Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s", p.Name, b.Name, f.msg))
		}
	}
	if slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Deny) {
		return deny(p, b, failures[0].val, failures[0].msg)
	}
	return nil
}

// failures runs p's variables, then all its validations in order (as upstream, so
// that each can warn), and returns those that are not true; then its audit
// annotations, of which one that fails is a failure under failurePolicy Fail.
func (v *ValidatingPolicies) failures(p *admissionregistrationv1.ValidatingAdmissionPolicy, in map[string]any) []failure {
	progs := v.step.progs
	progs.variables(p.Spec.Variables, in)
	fail := failClosed(p.Spec.FailurePolicy)
	var out []failure
	for i, val := range p.Spec.Validations {
		res, err := progs.eval(val.Expression, in)
		if err != nil {
			if fail {
				out = append(out, failure{val, fmt.Sprintf("expression '%s' resulted in error: %v", val.Expression, err)})
			}
			continue
		}
		if ok, isBool := res.Value().(bool); isBool && ok {
			continue
		} else if !isBool {
			if fail {
				out = append(out, failure{val, fmt.Sprintf("validation expression %d must evaluate to bool", i)})
			}
			continue
		}
		msg := val.Message
		if val.MessageExpression != "" {
			if m, err := progs.eval(val.MessageExpression, in); err == nil {
				if s, ok := m.Value().(string); ok && strings.TrimSpace(s) != "" && !strings.Contains(s, "\n") {
					msg = s
				}
			}
		}
		if msg == "" {
			msg = fmt.Sprintf("failed expression: %s", strings.TrimSpace(val.Expression))
		}
		out = append(out, failure{val, msg})
	}
	for _, an := range p.Spec.AuditAnnotations {
		res, err := progs.eval(an.ValueExpression, in)
		if err == nil {
			switch res.Value().(type) {
			case string:
				continue
			}
			if res == types.NullValue {
				continue
			}
			err = fmt.Errorf("valueExpression must evaluate to a string or null")
		}
		if fail {
			out = append(out, failure{admissionregistrationv1.Validation{}, fmt.Sprintf("valueExpression '%s' resulted in error: %v", an.ValueExpression, err)})
		}
	}
	return out
}

// deny is upstream's refusal: the policy and binding named, with the validation's
// reason as the status (Invalid by default).
func deny(p *admissionregistrationv1.ValidatingAdmissionPolicy, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, val admissionregistrationv1.Validation, msg string) error {
	reason := metav1.StatusReasonInvalid
	if val.Reason != nil {
		reason = *val.Reason
	}
	code := map[metav1.StatusReason]int32{
		metav1.StatusReasonInvalid: 422, metav1.StatusReasonForbidden: 403,
		metav1.StatusReasonUnauthorized: 401, metav1.StatusReasonRequestEntityTooLarge: 413,
	}[reason]
	if code == 0 {
		code = 422
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    code,
		Reason:  reason,
		Message: fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s", p.Name, b.Name, msg),
	}}
}
