package admission

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/apiserver/pkg/cel/library"

	"kite/apiserver/registry"
)

// This file is what the ValidatingAdmissionPolicy and MutatingAdmissionPolicy steps
// have in common, as upstream's two plugins share one generic policy framework: the
// source of policies, bindings and parameters, the walk over the bindings that match a
// request (resource rules, object and namespace selectors, match conditions), the
// parameters each binding names, the CEL input of the request and the cache of
// compiled expressions. Each step supplies only what its kind of policy does with a
// match.

// Source is what a policy step reads: policies of type P and bindings of type B as
// stored, a namespace (for namespaceObject and namespace selectors) and the parameter
// objects bindings name.
type Source[P, B any] struct {
	Policies  func(ctx context.Context) ([]P, error)
	Bindings  func(ctx context.Context) ([]B, error)
	Namespace func(ctx context.Context, name string) (*corev1.Namespace, error)
	// Params reads parameter objects of kind: the one called name in namespace
	// (an apierrors NotFound error when there is none), or with name "" every one in
	// namespace ("" for all namespaces). namespace is ignored for a cluster-scoped
	// kind; namespaced tells the kind's scope. An unknown kind is an error. Optional:
	// without it a binding of a policy with a paramKind fails to configure.
	Params func(ctx context.Context, kind admissionregistrationv1.ParamKind, namespace, name string) (objs []runtime.Object, namespaced bool, err error)
	// Authorizer decides the checks expressions make through the authorizer
	// variables. Default: AllowAuthenticated (until RBAC).
	Authorizer authorizer.Authorizer
	// Equivalents lists a resource's equivalents, for matchResources with matchPolicy
	// Equivalent (see webhookequivalent.go). Optional: without it a rule must name
	// the requested resource.
	Equivalents Equivalents
	// ConvertCustom converts custom resource objects between the versions of their
	// definition. Optional: by default only apiVersion changes (strategy None).
	ConvertCustom CustomConverter
}

// binding is one binding as the walk needs it: the policy it names, where the policy
// and the binding apply, the policy's match conditions and parameter kind and the
// binding's parameter reference. ok is false when the step skips the binding (no such
// policy, nothing for this step to do).
type binding[P any] struct {
	policy                    *P
	policyName                string
	policyMatch, bindingMatch *admissionregistrationv1.MatchResources
	conditions                []admissionregistrationv1.MatchCondition
	paramKind                 *admissionregistrationv1.ParamKind
	paramRef                  *admissionregistrationv1.ParamRef
	failClosed                bool
	ok                        bool
}

// policyStep is the shared part of a policy step; bind tells, per binding, which
// policy it binds (see binding).
type policyStep[P, B any] struct {
	src   Source[P, B]
	bind  func(policies []P, b *B) binding[P]
	progs *programs
	conv  versioner
}

// newPolicyStep checks src (named what for the error) and makes the CEL environment
// of policy expressions: upstream's base environment (its libraries, optional types)
// with the policy variables, and opts added.
func newPolicyStep[P, B any](what string, src Source[P, B], bind func([]P, *B) binding[P], opts ...cel.EnvOption) (*policyStep[P, B], error) {
	if src.Policies == nil || src.Bindings == nil || src.Namespace == nil {
		return nil, fmt.Errorf("admission: %s needs Policies, Bindings and Namespace", what)
	}
	env, err := policyEnv(opts...)
	if err != nil {
		return nil, err
	}
	if src.Authorizer == nil {
		src.Authorizer = AllowAuthenticated{}
	}
	return &policyStep[P, B]{src: src, bind: bind, progs: &programs{env: env, byExpr: map[string]cel.Program{}},
		conv: versioner{equivalents: src.Equivalents, custom: src.ConvertCustom}}, nil
}

// policyEnv is the CEL environment of policy expressions, with opts added.
func policyEnv(opts ...cel.EnvOption) (*cel.Env, error) {
	env, err := baseEnv(append(opts,
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("params", cel.DynType),
		cel.Variable(authorizerVar, library.AuthorizerType),
		cel.Variable(requestResourceVar, library.ResourceCheckType),
		cel.Variable("variables", cel.MapType(cel.StringType, cel.DynType)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("admission: CEL environment: %w", err)
	}
	return env, nil
}

// baseEnv is upstream's CEL base environment for stored expressions, extended with
// opts: the same libraries (strings, lists, regex, URLs, quantities, optional types)
// as the expressions a policy or webhook was written for.
func baseEnv(opts ...cel.EnvOption) (*cel.Env, error) {
	base := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()).StoredExpressionsEnv()
	return base.Extend(opts...)
}

// each calls visit, in binding order, once per parameter object (once when the
// policy has no paramKind) of every binding whose policy and binding both match the
// request a, and whose policy's match conditions hold. in is the CEL input of that
// evaluation, a copy of its own; va is the request as the policy sees it: a, or a
// converted to the equivalent resource the policy's rules name (matchPolicy
// Equivalent). A binding that cannot be configured (its parameters missing under
// parameterNotFoundAction Deny, say) or whose match conditions fail is visited with
// err set and in nil, unless its policy fails open.
func (s *policyStep[P, B]) each(ctx context.Context, a *registry.Attributes, visit func(p *P, b *B, in map[string]any, va *registry.Attributes, err error) error) error {
	if exempt(a) {
		return nil
	}
	policies, err := s.src.Policies(ctx)
	if err != nil || len(policies) == 0 {
		return err
	}
	bindings, err := s.src.Bindings(ctx)
	if err != nil || len(bindings) == 0 {
		return err
	}
	ns, err := s.namespaceOf(ctx, a)
	if err != nil {
		return err
	}
	// The CEL input and attributes of the request, by the resource it is seen as.
	bases := map[schema.GroupVersionResource]map[string]any{}
	versions := map[schema.GroupVersionResource]*registry.Attributes{}
	for i := range bindings {
		b := &bindings[i]
		bound := s.bind(policies, b)
		if !bound.ok {
			continue
		}
		ok, seenAs, err := s.matchResources(ctx, bound.policyMatch, a, ns, true)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		if !ok {
			continue
		}
		if ok, _, err = s.matchResources(ctx, bound.bindingMatch, a, ns, false); err != nil {
			return apierrors.NewInternalError(err)
		}
		if !ok {
			continue
		}
		key := a.Resource.GroupVersionResource()
		if seenAs.resource != nil {
			key = seenAs.resource.GroupVersionResource()
		}
		base, va := bases[key], versions[key]
		if base == nil {
			if va, base, err = s.input(ctx, a, ns, seenAs); err != nil {
				return err
			}
			bases[key], versions[key] = base, va
		}
		params, err := s.params(ctx, bound, a)
		if err != nil {
			if bound.failClosed {
				if err := visit(bound.policy, b, nil, va, fmt.Errorf("failed to configure binding: %w", err)); err != nil {
					return err
				}
			}
			continue
		}
		for _, param := range params {
			in := maps.Clone(base)
			if in["params"], err = unstructuredOf(param); err != nil {
				return err
			}
			ok, err := conditionsHold(s.progs, bound.conditions, in)
			if err != nil && !bound.failClosed {
				continue
			}
			if err != nil {
				in = nil
			} else if !ok {
				continue
			}
			if err := visit(bound.policy, b, in, va, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// input is the request a as a policy sees it (va: a, or a converted to the
// equivalent resource seenAs) and the CEL input of that: request.kind and resource
// name what the policy matched, requestKind, requestResource and requestSubResource
// the request as made, as upstream.
func (s *policyStep[P, B]) input(ctx context.Context, a *registry.Attributes, ns *corev1.Namespace, seenAs equivalentMatch) (va *registry.Attributes, in map[string]any, err error) {
	va = a
	if seenAs.resource != nil {
		if va, err = s.conv.versioned(ctx, a, seenAs); err != nil {
			return nil, nil, apierrors.NewInternalError(err)
		}
	}
	if in, err = policyInput(ctx, va, ns); err != nil {
		return nil, nil, err
	}
	if va != a {
		asMade := requestInput(ctx, a, kindOf(a), nil)
		req := in["request"].(map[string]any)
		req["requestKind"], req["requestResource"], req["requestSubResource"] = asMade["kind"], asMade["resource"], a.Subresource
	}
	authorizerInput(ctx, s.src.Authorizer, a, in)
	return va, in, nil
}

// namespaceOf reads the namespace of a namespaced request, nil otherwise (and for
// the namespaces resource itself, as upstream).
func (s *policyStep[P, B]) namespaceOf(ctx context.Context, a *registry.Attributes) (*corev1.Namespace, error) {
	if !a.Resource.Namespaced || a.Namespace == "" {
		return nil, nil
	}
	return s.src.Namespace(ctx, a.Namespace)
}

// params collects the parameter objects of a binding as upstream does: one nil when
// the policy has no paramKind or the binding no paramRef; the named object, or those
// its selector picks, from the request's namespace unless paramRef names one; none
// found is an error under parameterNotFoundAction Deny.
func (s *policyStep[P, B]) params(ctx context.Context, bound binding[P], a *registry.Attributes) ([]runtime.Object, error) {
	kind, ref := bound.paramKind, bound.paramRef
	if kind == nil || ref == nil {
		return []runtime.Object{nil}, nil
	}
	if s.src.Params == nil {
		return nil, fmt.Errorf("paramKind kind `%s` not known", kindString(kind))
	}
	if ref.Name != "" && ref.Selector != nil {
		return nil, fmt.Errorf("paramRef.name and paramRef.selector are mutually exclusive")
	}
	namespace := a.Namespace
	if ref.Namespace != "" {
		namespace = ref.Namespace
	}
	objs, namespaced, err := s.src.Params(ctx, *kind, namespace, ref.Name)
	switch {
	case isNotFound(err):
		objs = nil
	case err != nil:
		return nil, err
	case !namespaced && ref.Namespace != "":
		return nil, fmt.Errorf("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
	case namespaced && namespace == "":
		return nil, fmt.Errorf("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
	}
	if ref.Name == "" {
		sel := labels.Everything()
		if ref.Selector != nil {
			if sel, err = metav1.LabelSelectorAsSelector(ref.Selector); err != nil {
				return nil, err
			}
		}
		objs = slices.DeleteFunc(objs, func(o runtime.Object) bool {
			l, _ := labelsOf(o)
			return !sel.Matches(labels.Set(l))
		})
	}
	if len(objs) == 0 && ref.ParameterNotFoundAction != nil && *ref.ParameterNotFoundAction == admissionregistrationv1.DenyAction {
		return nil, fmt.Errorf("no params found for policy binding with `Deny` parameterNotFoundAction")
	}
	return objs, nil
}

func kindString(k *admissionregistrationv1.ParamKind) string {
	return k.APIVersion + ", Kind=" + k.Kind
}

// conditionsHold evaluates a policy's match conditions over in, as webhooks' are
// (conditionsMatch).
func conditionsHold(progs *programs, conds []admissionregistrationv1.MatchCondition, in map[string]any) (bool, error) {
	return conditionsMatch(progs, &hook{matchConditions: conds}, func() map[string]any { return in })
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

// programs compiles policy expressions in env once and keeps them by expression:
// policies are read on every request, and compiling is the costly part.
type programs struct {
	env    *cel.Env
	mu     sync.Mutex
	byExpr map[string]cel.Program
}

// compile returns the program of expr.
func (c *programs) compile(expr string) (cel.Program, error) {
	c.mu.Lock()
	prog, ok := c.byExpr[expr]
	c.mu.Unlock()
	if ok {
		return prog, nil
	}
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
	return p, nil
}

// eval runs expr on in; an error value is returned as an error.
func (c *programs) eval(expr string, in map[string]any) (ref.Val, error) {
	prog, err := c.compile(expr)
	if err != nil {
		return nil, err
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
			out[v.Name] = val
		}
	}
}

// matchResources reports whether the request a (to a namespaced object in namespace
// ns, or a cluster-scoped one) falls under m, and as which equivalent resource when
// its rules name another version of the requested one (matchPolicy Equivalent; the
// zero equivalentMatch for the requested one). A policy's constraints must name the
// resource; a binding without resource rules takes every resource its policy matches.
func (s *policyStep[P, B]) matchResources(ctx context.Context, m *admissionregistrationv1.MatchResources, a *registry.Attributes, ns *corev1.Namespace, needRules bool) (bool, equivalentMatch, error) {
	var seenAs equivalentMatch
	if m == nil {
		return !needRules, seenAs, nil
	}
	if needRules || len(m.ResourceRules) > 0 {
		ok, eq, err := s.namedRulesMatch(ctx, m.ResourceRules, m.MatchPolicy, a)
		if err != nil || !ok {
			return false, seenAs, err
		}
		seenAs = eq
	}
	excluded, _, err := s.namedRulesMatch(ctx, m.ExcludeResourceRules, m.MatchPolicy, a)
	if err != nil || excluded {
		return false, seenAs, err
	}
	return selectedBy(m, a, ns), seenAs, nil
}

// namedRulesMatch reports whether one of rules covers a (its resource names
// included), else, under matchPolicy Equivalent, which equivalent resource one covers.
func (s *policyStep[P, B]) namedRulesMatch(ctx context.Context, rules []admissionregistrationv1.NamedRuleWithOperations, policy *admissionregistrationv1.MatchPolicyType, a *registry.Attributes) (bool, equivalentMatch, error) {
	covers := func(r admissionregistrationv1.NamedRuleWithOperations, a *registry.Attributes) bool {
		return ruleCovers(r.RuleWithOperations, a) && (len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, a.Name))
	}
	if slices.ContainsFunc(rules, func(r admissionregistrationv1.NamedRuleWithOperations) bool { return covers(r, a) }) {
		return true, equivalentMatch{}, nil
	}
	eq, ok, err := s.conv.equivalentRule(ctx, policy, a, len(rules), func(i int, o *registry.Attributes) bool { return covers(rules[i], o) })
	return ok, eq, err
}

// selectedBy applies m's object and namespace selectors to a.
func selectedBy(m *admissionregistrationv1.MatchResources, a *registry.Attributes, ns *corev1.Namespace) bool {
	if !objectSelects(m.ObjectSelector, a) {
		return false
	}
	// Cluster-scoped objects are not subject to a namespace selector, as upstream,
	// except namespaces themselves, matched by their own labels.
	if ns != nil {
		return selects(m.NamespaceSelector, ns.Labels)
	}
	if a.Resource.Group == "" && a.Resource.Resource == "namespaces" && a.Subresource == "" {
		obj := a.Object
		if obj == nil || a.Operation == admissionregistrationv1.Connect {
			obj = a.OldObject
		}
		l, _ := labelsOf(obj)
		return selects(m.NamespaceSelector, l)
	}
	return true
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
