package admission

import (
	"strings"

	"github.com/google/cel-go/cel"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CheckPolicyExpressions is the admission step of creates and updates of
// ValidatingAdmissionPolicies and MutatingAdmissionPolicies: every CEL expression
// (match conditions, variables, validations and their message expressions, audit
// annotations, mutations) must compile in the environment the policy step evaluates it
// in, else the write is refused with upstream's "compilation failed" Invalid error at
// the expression's field path, instead of failing every request later. Other objects
// pass.
func CheckPolicyExpressions() (func(obj runtime.Object) error, error) {
	venv, err := policyEnv()
	if err != nil {
		return nil, err
	}
	opt, err := objectTypesOption()
	if err != nil {
		return nil, err
	}
	menv, err := policyEnv(opt)
	if err != nil {
		return nil, err
	}
	return func(obj runtime.Object) error {
		var errs field.ErrorList
		var kind string
		spec := field.NewPath("spec")
		check := func(env *cel.Env, path *field.Path, expr string) {
			if strings.TrimSpace(expr) == "" {
				return // the strategy reports a missing expression
			}
			if _, iss := env.Compile(expr); iss.Err() != nil {
				errs = append(errs, field.Invalid(path, expr, "compilation failed: "+iss.Err().Error()))
			}
		}
		switch p := obj.(type) {
		case *admissionregistrationv1.ValidatingAdmissionPolicy:
			kind = "ValidatingAdmissionPolicy"
			env := venv
			for i, mc := range p.Spec.MatchConditions {
				check(env, spec.Child("matchConditions").Index(i).Child("expression"), mc.Expression)
			}
			for i, v := range p.Spec.Variables {
				check(env, spec.Child("variables").Index(i).Child("expression"), v.Expression)
			}
			for i, v := range p.Spec.Validations {
				check(env, spec.Child("validations").Index(i).Child("expression"), v.Expression)
				check(env, spec.Child("validations").Index(i).Child("messageExpression"), v.MessageExpression)
			}
			for i, a := range p.Spec.AuditAnnotations {
				check(env, spec.Child("auditAnnotations").Index(i).Child("valueExpression"), a.ValueExpression)
			}
		case *admissionregistrationv1.MutatingAdmissionPolicy:
			kind = "MutatingAdmissionPolicy"
			env := menv
			for i, mc := range p.Spec.MatchConditions {
				check(env, spec.Child("matchConditions").Index(i).Child("expression"), mc.Expression)
			}
			for i, v := range p.Spec.Variables {
				check(env, spec.Child("variables").Index(i).Child("expression"), v.Expression)
			}
			for i, m := range p.Spec.Mutations {
				if m.ApplyConfiguration != nil {
					check(env, spec.Child("mutations").Index(i).Child("applyConfiguration", "expression"), m.ApplyConfiguration.Expression)
				}
				if m.JSONPatch != nil {
					check(env, spec.Child("mutations").Index(i).Child("jsonPatch", "expression"), m.JSONPatch.Expression)
				}
			}
		default:
			return nil
		}
		if len(errs) == 0 {
			return nil
		}
		acc, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		return apierrors.NewInvalid(schema.GroupKind{Group: admissionregistrationv1.GroupName, Kind: kind}, acc.GetName(), errs)
	}, nil
}
