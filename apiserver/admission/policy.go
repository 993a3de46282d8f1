package admission

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// This file is what the ValidatingAdmissionPolicy and MutatingAdmissionPolicy steps
// have in common, as upstream's two plugins share one generic policy framework: the
// source of policies and bindings, the walk over the bindings that match a create
// (resource rules, object and namespace selectors), the CEL input of the request and
// the cache of compiled expressions. Each step supplies only what its kind of policy
// does with a match.

// Source is what a policy step reads: policies of type P and bindings of type B as
// stored, and a namespace (for namespaceObject and namespace selectors).
type Source[P, B any] struct {
	Policies  func(ctx context.Context) ([]P, error)
	Bindings  func(ctx context.Context) ([]B, error)
	Namespace func(ctx context.Context, name string) (*corev1.Namespace, error)
}

// binding is one binding as the walk needs it: the policy it names, and where the
// policy and the binding apply. ok is false when the step skips the binding (no such
// policy, a paramKind, nothing for this step to do).
type binding[P any] struct {
	policy                    *P
	policyMatch, bindingMatch *admissionregistrationv1.MatchResources
	ok                        bool
}

// policyStep is the shared part of a policy step; bind tells, per binding, which
// policy it binds (see binding).
type policyStep[P, B any] struct {
	src   Source[P, B]
	bind  func(policies []P, b *B) binding[P]
	progs *programs
}

// newPolicyStep checks src (named what for the error) and makes the CEL environment
// of policy expressions, with opts added.
func newPolicyStep[P, B any](what string, src Source[P, B], bind func([]P, *B) binding[P], opts ...cel.EnvOption) (*policyStep[P, B], error) {
	if src.Policies == nil || src.Bindings == nil || src.Namespace == nil {
		return nil, fmt.Errorf("admission: %s needs Policies, Bindings and Namespace", what)
	}
	env, err := cel.NewEnv(append(opts,
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("params", cel.DynType),
		cel.Variable("variables", cel.MapType(cel.StringType, cel.DynType)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("admission: CEL environment: %w", err)
	}
	return &policyStep[P, B]{src: src, bind: bind, progs: &programs{env: env, byExpr: map[string]cel.Program{}}}, nil
}

// each calls visit, in binding order, for every binding whose policy and binding
// both match a create of obj (a kind of resource gvr). in, the CEL input, is built on
// the first match and handed to every visit. It reports whether anything matched.
func (s *policyStep[P, B]) each(ctx context.Context, gvr schema.GroupVersionResource, kind string, obj runtime.Object, visit func(p *P, b *B, in map[string]any) error) (bool, error) {
	policies, err := s.src.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return false, err
	}
	bindings, err := s.src.Bindings(ctx)
	if err != nil || len(bindings) == 0 {
		return false, err
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		return false, err
	}
	var ns *corev1.Namespace
	if name := acc.GetNamespace(); name != "" {
		if ns, err = s.src.Namespace(ctx, name); err != nil {
			return false, err
		}
	}
	var in map[string]any
	for i := range bindings {
		b := &bindings[i]
		bound := s.bind(policies, b)
		if !bound.ok {
			continue
		}
		if !matches(bound.policyMatch, gvr, acc, ns, true) || !matches(bound.bindingMatch, gvr, acc, ns, false) {
			continue
		}
		if in == nil {
			if in, err = activation(obj, gvr, kind, ns, acc); err != nil {
				return false, err
			}
		}
		if err := visit(bound.policy, b, in); err != nil {
			return false, err
		}
	}
	return in != nil, nil
}

// named returns the item of items called name, or nil.
func named[T any, PT interface {
	*T
	GetName() string
}](items []T, name string) *T {
	i := slices.IndexFunc(items, func(it T) bool { return PT(&it).GetName() == name })
	if i < 0 {
		return nil
	}
	return &items[i]
}

// failClosed reports whether a failure policy refuses the request when an expression
// fails (Fail, the default).
func failClosed(fp *admissionregistrationv1.FailurePolicyType) bool {
	return fp == nil || *fp == admissionregistrationv1.Fail
}

// activation is the CEL input of a create of obj.
func activation(obj runtime.Object, gvr schema.GroupVersionResource, kind string, ns *corev1.Namespace, acc metav1.Object) (map[string]any, error) {
	object, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	object["apiVersion"] = schema.GroupVersion{Group: gvr.Group, Version: gvr.Version}.String()
	object["kind"] = kind
	var namespaceObject any
	if ns != nil {
		if namespaceObject, err = runtime.DefaultUnstructuredConverter.ToUnstructured(ns); err != nil {
			return nil, err
		}
	}
	request := map[string]any{
		"kind":      map[string]any{"group": gvr.Group, "version": gvr.Version, "kind": kind},
		"resource":  map[string]any{"group": gvr.Group, "version": gvr.Version, "resource": gvr.Resource},
		"name":      acc.GetName(),
		"namespace": acc.GetNamespace(),
		"operation": string(admissionregistrationv1.Create),
		"dryRun":    false,
	}
	return map[string]any{"object": object, "oldObject": nil, "namespaceObject": namespaceObject, "request": request, "params": nil}, nil
}

// programs compiles policy expressions in env once and keeps them by expression:
// policies are read on every request, and compiling is the costly part.
type programs struct {
	env    *cel.Env
	mu     sync.Mutex
	byExpr map[string]cel.Program
}

// eval runs expr on in; an error value is returned as an error.
func (c *programs) eval(expr string, in map[string]any) (ref.Val, error) {
	c.mu.Lock()
	prog, ok := c.byExpr[expr]
	c.mu.Unlock()
	if !ok {
		ast, iss := c.env.Compile(expr)
		if iss.Err() != nil {
			return nil, iss.Err()
		}
		p, err := c.env.Program(ast)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.byExpr[expr] = p
		c.mu.Unlock()
		prog = p
	}
	out, _, err := prog.Eval(in)
	if err != nil {
		return nil, err
	}
	if types.IsError(out) {
		return nil, fmt.Errorf("%v", out)
	}
	return out, nil
}

// variables evaluates vars over in into in["variables"]; a variable that fails is
// left out, so the expressions that use it fail in turn.
func (c *programs) variables(vars []admissionregistrationv1.Variable, in map[string]any) {
	out := map[string]any{}
	in["variables"] = out
	for _, v := range vars {
		if val, err := c.eval(v.Expression, in); err == nil {
			out[v.Name] = val.Value()
		}
	}
}

// matches reports whether a create of acc (a gvr, in namespace ns or cluster-scoped)
// falls under m. A policy's constraints must name the resource; a binding without
// resource rules takes every resource its policy matches.
func matches(m *admissionregistrationv1.MatchResources, gvr schema.GroupVersionResource, acc metav1.Object, ns *corev1.Namespace, needRules bool) bool {
	if m == nil {
		return !needRules
	}
	if needRules || len(m.ResourceRules) > 0 {
		if !slices.ContainsFunc(m.ResourceRules, func(r admissionregistrationv1.NamedRuleWithOperations) bool {
			return ruleMatches(r, gvr, acc.GetName())
		}) {
			return false
		}
	}
	if slices.ContainsFunc(m.ExcludeResourceRules, func(r admissionregistrationv1.NamedRuleWithOperations) bool {
		return ruleMatches(r, gvr, acc.GetName())
	}) {
		return false
	}
	if !selects(m.ObjectSelector, acc.GetLabels()) {
		return false
	}
	// Cluster-scoped objects are not subject to a namespace selector, as upstream,
	// except namespaces themselves, matched by their own labels.
	if ns != nil {
		return selects(m.NamespaceSelector, ns.Labels)
	}
	if gvr.Group == "" && gvr.Resource == "namespaces" {
		return selects(m.NamespaceSelector, acc.GetLabels())
	}
	return true
}

func ruleMatches(r admissionregistrationv1.NamedRuleWithOperations, gvr schema.GroupVersionResource, name string) bool {
	has := func(list []string, v string) bool { return slices.Contains(list, "*") || slices.Contains(list, v) }
	if !slices.ContainsFunc(r.Operations, func(op admissionregistrationv1.OperationType) bool {
		return op == admissionregistrationv1.OperationAll || op == admissionregistrationv1.Create
	}) {
		return false
	}
	if !has(r.APIGroups, gvr.Group) || !has(r.APIVersions, gvr.Version) {
		return false
	}
	if !has(r.Resources, gvr.Resource) && !slices.Contains(r.Resources, "*/*") {
		return false
	}
	return len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, name)
}

// selects applies a label selector; nil selects everything, as upstream's default
// (an empty selector).
func selects(sel *metav1.LabelSelector, set map[string]string) bool {
	if sel == nil {
		return true
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set(set))
}
