package admission

import (
	"fmt"

	"github.com/google/cel-go/cel"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/cel/library"
)

// A webhook's matchConditions are CEL expressions over object, oldObject, request and
// the authorizer variables (authorizer.go); the webhook is called only when all are true. The same environment
// checks them when a configuration is written, so that one that does not compile is
// refused (422) instead of failing every request later, as upstream.

// newMatchPrograms makes the CEL environment of match conditions.
func newMatchPrograms() (*programs, error) {
	env, err := baseEnv(
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable(authorizerVar, library.AuthorizerType),
		cel.Variable(requestResourceVar, library.ResourceCheckType),
	)
	if err != nil {
		return nil, fmt.Errorf("admission: CEL environment of match conditions: %w", err)
	}
	return &programs{env: env, byExpr: map[string]cel.Program{}}, nil
}

// CheckMatchConditions is the admission step of creates and updates of
// ValidatingWebhookConfigurations and MutatingWebhookConfigurations: every match
// condition must compile, else the write is refused with upstream's "compilation
// failed" Invalid error at the condition's field path.
func CheckMatchConditions() (func(obj runtime.Object) error, error) {
	progs, err := newMatchPrograms()
	if err != nil {
		return nil, err
	}
	return func(obj runtime.Object) error {
		var conds [][]admissionregistrationv1.MatchCondition
		gk := schema.GroupKind{Group: admissionregistrationv1.GroupName}
		switch c := obj.(type) {
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			gk.Kind = "ValidatingWebhookConfiguration"
			for _, w := range c.Webhooks {
				conds = append(conds, w.MatchConditions)
			}
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			gk.Kind = "MutatingWebhookConfiguration"
			for _, w := range c.Webhooks {
				conds = append(conds, w.MatchConditions)
			}
		default:
			return nil
		}
		var errs field.ErrorList
		for i, list := range conds {
			for j, mc := range list {
				if mc.Expression == "" {
					continue // the strategy reports the missing expression
				}
				if _, iss := progs.env.Compile(mc.Expression); iss.Err() != nil {
					errs = append(errs, field.Invalid(field.NewPath("webhooks").Index(i).Child("matchConditions").Index(j).Child("expression"),
						mc.Expression, "compilation failed: "+iss.Err().Error()))
				}
			}
		}
		if len(errs) == 0 {
			return nil
		}
		acc, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		return apierrors.NewInvalid(gk, acc.GetName(), errs)
	}, nil
}

// conditionsMatch evaluates h's match conditions over in. It returns false when one is
// false; an error when none is false but one failed to evaluate.
func conditionsMatch(progs *programs, h *hook, in func() map[string]any) (bool, error) {
	if len(h.matchConditions) == 0 {
		return true, nil
	}
	input := in()
	var firstErr error
	for _, mc := range h.matchConditions {
		v, err := progs.eval(mc.Expression, input)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("failed to evaluate match condition %q: %w", mc.Name, err)
			}
			continue
		}
		b, ok := v.Value().(bool)
		if !ok {
			if firstErr == nil {
				firstErr = fmt.Errorf("match condition %q did not evaluate to a bool", mc.Name)
			}
			continue
		}
		if !b {
			return false, nil
		}
	}
	if firstErr != nil {
		return false, firstErr
	}
	return true, nil
}
