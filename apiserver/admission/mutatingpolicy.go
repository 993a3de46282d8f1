package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/cel-go/cel"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// MutatingPolicySource is what MutatingPolicies reads.
type MutatingPolicySource = Source[admissionregistrationv1.MutatingAdmissionPolicy, admissionregistrationv1.MutatingAdmissionPolicyBinding]

// MutatingPolicies applies MutatingAdmissionPolicies, as upstream's
// MutatingAdmissionPolicy plugin, on the creates and updates a Store admits: each
// binding whose policy matches the request (as ValidatingPolicies matches, match
// conditions included) runs the policy's mutations in order, over object, oldObject,
// namespaceObject, request, params and variables, once per parameter object the
// binding names. An ApplyConfiguration mutation is merged into the object (maps merge,
// other values and lists replace: a simplification of upstream's server-side apply
// merge, which merges keyed lists); a JSONPatch mutation is applied as RFC 6902. A
// mutation that fails refuses the request under the Fail failure policy (the default).
type MutatingPolicies struct {
	step *policyStep[admissionregistrationv1.MutatingAdmissionPolicy, admissionregistrationv1.MutatingAdmissionPolicyBinding]
}

// NewMutatingPolicies returns the mutation step over src. Its expressions may build
// Object{...} and JSONPatch{...} values (see objectTypes).
func NewMutatingPolicies(src MutatingPolicySource) (*MutatingPolicies, error) {
	opt, err := objectTypesOption()
	if err != nil {
		return nil, err
	}
	step, err := newPolicyStep("MutatingPolicySource", src, bindMutating, opt)
	if err != nil {
		return nil, err
	}
	return &MutatingPolicies{step: step}, nil
}

// objectTypesOption declares the Object and JSONPatch types of mutations over the
// base environment's own types.
func objectTypesOption() (cel.EnvOption, error) {
	base, err := baseEnv()
	if err != nil {
		return nil, err
	}
	return cel.CustomTypeProvider(objectTypes{Provider: base.CELTypeProvider(), Adapter: base.CELTypeAdapter()}), nil
}

func bindMutating(policies []admissionregistrationv1.MutatingAdmissionPolicy, b *admissionregistrationv1.MutatingAdmissionPolicyBinding) binding[admissionregistrationv1.MutatingAdmissionPolicy] {
	p := named(policies, b.Spec.PolicyName)
	if p == nil {
		return binding[admissionregistrationv1.MutatingAdmissionPolicy]{}
	}
	return binding[admissionregistrationv1.MutatingAdmissionPolicy]{policy: p, policyMatch: p.Spec.MatchConstraints, bindingMatch: b.Spec.MatchResources,
		conditions: p.Spec.MatchConditions, paramKind: p.Spec.ParamKind, paramRef: b.Spec.ParamRef, failClosed: failClosed(p.Spec.FailurePolicy), ok: true}
}

// For returns the admission step of creates of resource r (tests and callers that
// admit a create alone).
func (m *MutatingPolicies) For(r *registry.Resource) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		acc, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		return m.Mutate(ctx, &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: r,
			Namespace: acc.GetNamespace(), Name: acc.GetName(), Object: obj})
	}
}

// Mutate applies the policies that match the request a to a.Object, in place, and
// sets a.Mutated when they changed it. Requests without an object (DELETE, CONNECT)
// are left alone.
func (m *MutatingPolicies) Mutate(ctx context.Context, a *registry.Attributes) error {
	if a.Object == nil || a.Operation == admissionregistrationv1.Connect || a.Operation == admissionregistrationv1.Delete {
		return nil
	}
	// Every matching policy mutates one object in turn, so each sees the object as
	// the ones before it left it.
	var current map[string]any
	// current is in the version requested; a policy that matched an equivalent
	// resource mutates it converted to that resource's kind, converted back after.
	err := m.step.each(ctx, a, func(p *admissionregistrationv1.MutatingAdmissionPolicy, b *admissionregistrationv1.MutatingAdmissionPolicyBinding, in map[string]any, va *registry.Attributes, cfgErr error) error {
		if cfgErr != nil {
			return apierrors.NewForbidden(a.Resource.GroupResource(), a.Name,
				fmt.Errorf("MutatingAdmissionPolicy '%s' with binding '%s' denied request: %w", p.Name, b.Name, cfgErr))
		}
		if current != nil {
			in["object"] = current
			if va != a {
				seen, err := m.step.conv.convertMap(ctx, current, a, va)
				if err != nil {
					return apierrors.NewInternalError(err)
				}
				in["object"] = seen
			}
		}
		if err := m.mutate(p, b, in); err != nil {
			return err
		}
		current = in["object"].(map[string]any)
		if va != a {
			back, err := m.step.conv.convertMap(ctx, current, va, a)
			if err != nil {
				return apierrors.NewInternalError(err)
			}
			current = back
		}
		return nil
	})
	if err != nil || current == nil {
		return err
	}
	before, err := unstructuredOf(a.Object)
	if err != nil {
		return err
	}
	obj := a.Object
	before.(map[string]any)["apiVersion"], before.(map[string]any)["kind"] = current["apiVersion"], current["kind"]
	if reflect.DeepEqual(before, current) {
		return nil
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.Object = current
		a.Mutated = true
		return nil
	}
	// The merged object replaces obj wholesale, so fields a mutation removed go too.
	gvk := obj.GetObjectKind().GroupVersionKind()
	v := reflect.ValueOf(obj).Elem()
	v.Set(reflect.Zero(v.Type()))
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(current, obj); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("mutating admission policy produced an invalid object: %v", err))
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	a.Mutated = true
	return nil
}

// mutate runs p's variables and mutations on in["object"], in place.
func (m *MutatingPolicies) mutate(p *admissionregistrationv1.MutatingAdmissionPolicy, b *admissionregistrationv1.MutatingAdmissionPolicyBinding, in map[string]any) error {
	fail := failClosed(p.Spec.FailurePolicy)
	refuse := func(err error) error {
		if !fail {
			return nil
		}
		return apierrors.NewInternalError(fmt.Errorf("MutatingAdmissionPolicy '%s' with binding '%s' failed: %w", p.Name, b.Name, err))
	}
	progs := m.step.progs
	progs.variables(p.Spec.Variables, in)
	for _, mu := range p.Spec.Mutations {
		switch {
		case mu.PatchType == admissionregistrationv1.PatchTypeApplyConfiguration && mu.ApplyConfiguration != nil:
			out, err := progs.eval(mu.ApplyConfiguration.Expression, in)
			if err != nil {
				if err := refuse(err); err != nil {
					return err
				}
				continue
			}
			patch, err := toNative(out)
			if err != nil {
				return refuse(err)
			}
			pm, ok := patch.(map[string]any)
			if !ok {
				return refuse(fmt.Errorf("applyConfiguration must evaluate to an Object"))
			}
			in["object"] = mergeApply(in["object"].(map[string]any), pm)
		case mu.PatchType == admissionregistrationv1.PatchTypeJSONPatch && mu.JSONPatch != nil:
			out, err := progs.eval(mu.JSONPatch.Expression, in)
			if err != nil {
				if err := refuse(err); err != nil {
					return err
				}
				continue
			}
			ops, err := toNative(out)
			if err != nil {
				return refuse(err)
			}
			patched, err := applyJSONPatch(in["object"].(map[string]any), ops)
			if err != nil {
				return refuse(err)
			}
			in["object"] = patched
		}
	}
	return nil
}

// mergeApply merges an apply configuration into obj: maps merge key by key, anything
// else in patch replaces what obj had.
func mergeApply(obj, patch map[string]any) map[string]any {
	for k, pv := range patch {
		pm, pIsMap := pv.(map[string]any)
		om, oIsMap := obj[k].(map[string]any)
		if pIsMap && oIsMap {
			obj[k] = mergeApply(om, pm)
			continue
		}
		obj[k] = pv
	}
	return obj
}

func applyJSONPatch(obj map[string]any, ops any) (map[string]any, error) {
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, err
	}
	out, err := patch.Apply(doc)
	if err != nil {
		return nil, err
	}
	var patched map[string]any
	if err := json.Unmarshal(out, &patched); err != nil {
		return nil, err
	}
	// JSON numbers come back as float64; whole ones become int64 as the converter
	// gives them.
	return intsBack(patched).(map[string]any), nil
}

func intsBack(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = intsBack(e)
		}
	case []any:
		for i, e := range x {
			x[i] = intsBack(e)
		}
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return v
}
