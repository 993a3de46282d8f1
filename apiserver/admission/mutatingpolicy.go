package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MutatingPolicySource is what MutatingPolicies reads.
type MutatingPolicySource = Source[admissionregistrationv1.MutatingAdmissionPolicy, admissionregistrationv1.MutatingAdmissionPolicyBinding]

// MutatingPolicies applies MutatingAdmissionPolicies on creates, as upstream's
// MutatingAdmissionPolicy plugin: each binding whose policy matches the request runs
// the policy's mutations in order, over object, namespaceObject, request and
// variables. An ApplyConfiguration mutation is merged into the object (maps merge,
// other values and lists replace: a simplification of upstream's server-side apply
// merge, which merges keyed lists); a JSONPatch mutation is applied as RFC 6902.
// Parameters (paramKind) are not supported: such bindings are skipped. A mutation that
// fails refuses the request under the Fail failure policy (the default).
type MutatingPolicies struct {
	step *policyStep[admissionregistrationv1.MutatingAdmissionPolicy, admissionregistrationv1.MutatingAdmissionPolicyBinding]
}

// NewMutatingPolicies returns the mutation step over src. Its expressions may build
// Object{...} and JSONPatch{...} values (see objectTypes).
func NewMutatingPolicies(src MutatingPolicySource) (*MutatingPolicies, error) {
	step, err := newPolicyStep("MutatingPolicySource", src, bindMutating,
		cel.CustomTypeProvider(objectTypes{types.NewEmptyRegistry()}))
	if err != nil {
		return nil, err
	}
	return &MutatingPolicies{step: step}, nil
}

func bindMutating(policies []admissionregistrationv1.MutatingAdmissionPolicy, b *admissionregistrationv1.MutatingAdmissionPolicyBinding) binding[admissionregistrationv1.MutatingAdmissionPolicy] {
	p := named(policies, b.Spec.PolicyName)
	if p == nil || p.Spec.ParamKind != nil {
		return binding[admissionregistrationv1.MutatingAdmissionPolicy]{}
	}
	return binding[admissionregistrationv1.MutatingAdmissionPolicy]{policy: p, policyMatch: p.Spec.MatchConstraints, bindingMatch: b.Spec.MatchResources, ok: true}
}

// For returns the admission step of creates of resource gvr.
func (m *MutatingPolicies) For(gvr schema.GroupVersionResource, kind string) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		return m.admit(ctx, gvr, kind, obj)
	}
}

func (m *MutatingPolicies) admit(ctx context.Context, gvr schema.GroupVersionResource, kind string, obj runtime.Object) error {
	// Every matching policy mutates the one CEL input in turn, so each sees the
	// object as the ones before it left it.
	var in map[string]any
	changed, err := m.step.each(ctx, gvr, kind, obj, func(p *admissionregistrationv1.MutatingAdmissionPolicy, b *admissionregistrationv1.MutatingAdmissionPolicyBinding, shared map[string]any) error {
		in = shared
		return m.mutate(p, b, in)
	})
	if err != nil || !changed {
		return err
	}
	// The merged object replaces obj wholesale, so fields a mutation removed go too.
	v := reflect.ValueOf(obj).Elem()
	v.Set(reflect.Zero(v.Type()))
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(in["object"].(map[string]any), obj); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("mutating admission policy produced an invalid object: %v", err))
	}
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
