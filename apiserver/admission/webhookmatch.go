package admission

import (
	"context"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Which webhooks a request goes to, as upstream's predicates: the rules (operation,
// group, version, resource and subresource, scope; with matchPolicy Equivalent those
// of equivalent resources too, webhookequivalent.go), the namespace selector, the
// object selector, then the match conditions (webhookcel.go).

// hook is a mutating or validating webhook with what the two have in common.
type hook struct {
	config            string
	name              string
	client            admissionregistrationv1.WebhookClientConfig
	rules             []admissionregistrationv1.RuleWithOperations
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	namespaceSelector *metav1.LabelSelector
	objectSelector    *metav1.LabelSelector
	sideEffects       *admissionregistrationv1.SideEffectClass
	timeoutSeconds    *int32
	reviewVersions    []string
	matchConditions   []admissionregistrationv1.MatchCondition
	matchPolicy       *admissionregistrationv1.MatchPolicyType
	reinvoke          bool
}

func mutatingHooks(configs []admissionregistrationv1.MutatingWebhookConfiguration) []*hook {
	// Upstream calls the configurations in name order, each one's webhooks in order.
	slices.SortFunc(configs, func(a, b admissionregistrationv1.MutatingWebhookConfiguration) int {
		return strings.Compare(a.Name, b.Name)
	})
	var out []*hook
	for _, c := range configs {
		for _, w := range c.Webhooks {
			out = append(out, &hook{config: c.Name, name: w.Name, client: w.ClientConfig, rules: w.Rules, failurePolicy: w.FailurePolicy,
				namespaceSelector: w.NamespaceSelector, objectSelector: w.ObjectSelector, sideEffects: w.SideEffects,
				timeoutSeconds: w.TimeoutSeconds, reviewVersions: w.AdmissionReviewVersions, matchConditions: w.MatchConditions,
				matchPolicy: w.MatchPolicy,
				reinvoke:    w.ReinvocationPolicy != nil && *w.ReinvocationPolicy == admissionregistrationv1.IfNeededReinvocationPolicy})
		}
	}
	return out
}

func validatingHooks(configs []admissionregistrationv1.ValidatingWebhookConfiguration) []*hook {
	slices.SortFunc(configs, func(a, b admissionregistrationv1.ValidatingWebhookConfiguration) int {
		return strings.Compare(a.Name, b.Name)
	})
	var out []*hook
	for _, c := range configs {
		for _, w := range c.Webhooks {
			out = append(out, &hook{config: c.Name, name: w.Name, client: w.ClientConfig, rules: w.Rules, failurePolicy: w.FailurePolicy,
				namespaceSelector: w.NamespaceSelector, objectSelector: w.ObjectSelector, sideEffects: w.SideEffects,
				timeoutSeconds: w.TimeoutSeconds, reviewVersions: w.AdmissionReviewVersions, matchConditions: w.MatchConditions,
				matchPolicy: w.MatchPolicy})
		}
	}
	return out
}

// exempt reports whether a request is never sent to webhooks: the admission
// configuration itself, so that a webhook cannot lock out its own repair, as upstream.
func exempt(a *registry.Attributes) bool {
	return a.Resource.Group == admissionregistrationv1.GroupName
}

// rulesMatch reports whether one of rules covers the request.
func rulesMatch(rules []admissionregistrationv1.RuleWithOperations, a *registry.Attributes) bool {
	return slices.ContainsFunc(rules, func(r admissionregistrationv1.RuleWithOperations) bool { return ruleCovers(r, a) })
}

func ruleCovers(r admissionregistrationv1.RuleWithOperations, a *registry.Attributes) bool {
	has := func(list []string, v string) bool { return slices.Contains(list, "*") || slices.Contains(list, v) }
	if !slices.ContainsFunc(r.Operations, func(op admissionregistrationv1.OperationType) bool {
		return op == admissionregistrationv1.OperationAll || op == a.Operation
	}) {
		return false
	}
	res := a.Resource
	if !has(r.APIGroups, res.Group) || !has(r.APIVersions, res.Version) {
		return false
	}
	if r.Scope != nil {
		switch *r.Scope {
		case admissionregistrationv1.NamespacedScope:
			if !res.Namespaced {
				return false
			}
		case admissionregistrationv1.ClusterScope:
			if res.Namespaced {
				return false
			}
		}
	}
	// "pods" is the object only, "pods/status" a subresource, "pods/*" pods and
	// every subresource of them, "*" every resource but no subresource, "*/status"
	// that subresource of every resource and "*/*" everything, as upstream.
	return slices.ContainsFunc(r.Resources, func(pattern string) bool {
		resource, sub, _ := strings.Cut(pattern, "/")
		return (resource == "*" || resource == res.Resource) && (sub == "*" || sub == a.Subresource)
	})
}

// labelsOf returns an object's labels, and false for a nil object.
func labelsOf(obj runtime.Object) (map[string]string, bool) {
	if obj == nil {
		return nil, false
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, false
	}
	return acc.GetLabels(), true
}

// objectSelected applies a webhook's object selector: either the new or the old object
// must match, as upstream.
func objectSelected(h *hook, a *registry.Attributes) bool {
	return objectSelects(h.objectSelector, a)
}

// namespaceSelected applies a webhook's namespace selector: to the labels of the
// request's namespace, or of the namespace itself for the namespaces resource.
// Other cluster-scoped objects always match.
func namespaceSelected(ctx context.Context, h *hook, a *registry.Attributes, nsOf func(context.Context, string) (*corev1.Namespace, error)) (bool, error) {
	if h.namespaceSelector == nil || isEmptySelector(h.namespaceSelector) {
		return true, nil
	}
	if a.Resource.Group == "" && a.Resource.Resource == "namespaces" && a.Subresource == "" {
		obj := a.Object
		if obj == nil || a.Operation == admissionregistrationv1.Connect {
			obj = a.OldObject
		}
		l, _ := labelsOf(obj)
		return selects(h.namespaceSelector, l), nil
	}
	if !a.Resource.Namespaced || a.Namespace == "" {
		return true, nil
	}
	ns, err := nsOf(ctx, a.Namespace)
	if err != nil {
		return false, err
	}
	return selects(h.namespaceSelector, ns.Labels), nil
}

func isEmptySelector(s *metav1.LabelSelector) bool {
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}
