package rbac

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// The verb sets upstream's default policy grants.
var (
	readVerbs      = []string{"get", "list", "watch"}
	writeVerbs     = []string{"create", "update", "patch", "delete", "deletecollection"}
	readWriteVerbs = append(slices.Clone(readVerbs), writeVerbs...)
)

// rule is a resource rule with its lists sorted, as upstream's default policy writes
// them (so a rule reads the same whatever order it was written in here).
func rule(verbs []string, groups []string, resources ...string) rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{Verbs: slices.Clone(verbs), APIGroups: slices.Clone(groups), Resources: slices.Clone(resources)}
	slices.Sort(r.Verbs)
	slices.Sort(r.APIGroups)
	slices.Sort(r.Resources)
	return r
}

func groups(g ...string) []string { return g }

// viewRules are system:aggregate-to-view's: reading what a namespace holds, except
// secrets and what would escalate (exec, proxy, ...), as upstream's view role (with the
// features on by default in 1.37).
func viewRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(readVerbs, groups(""), "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
			"services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
		rule(readVerbs, groups(""), "limitranges", "resourcequotas", "bindings",
			"pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
		rule(readVerbs, groups(""), "namespaces"),
		rule(readVerbs, groups("", "events.k8s.io"), "events"),
		rule(readVerbs, groups("discovery.k8s.io"), "endpointslices"),
		rule(readVerbs, groups("apps"), "controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
			"daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
			"replicasets", "replicasets/status", "replicasets/scale"),
		rule(readVerbs, groups("autoscaling"), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
		rule(readVerbs, groups("batch"), "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
		rule(readVerbs, groups("extensions"), "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
			"ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale",
			"networkpolicies"),
		rule(readVerbs, groups("policy"), "poddisruptionbudgets", "poddisruptionbudgets/status"),
		rule(readVerbs, groups("networking.k8s.io"), "networkpolicies", "ingresses", "ingresses/status"),
		rule(readVerbs, groups("resource.k8s.io"), "resourceclaims", "resourceclaims/status", "resourceclaimtemplates"),
	}
}

// editRules are system:aggregate-to-edit's: changing what a namespace holds, secrets
// and exec included, but not its roles, quotas or limits.
func editRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(readVerbs, groups(""), "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
		rule([]string{"impersonate"}, groups(""), "serviceaccounts"),
		rule(writeVerbs, groups(""), "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
		rule([]string{"create"}, groups(""), "pods/eviction"),
		rule(writeVerbs, groups(""), "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
			"services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets"),
		rule([]string{"create"}, groups(""), "serviceaccounts/token"),
		rule(writeVerbs, groups("", "events.k8s.io"), "events"),
		rule(writeVerbs, groups("apps"), "statefulsets", "statefulsets/scale", "daemonsets",
			"deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
		rule(writeVerbs, groups("autoscaling"), "horizontalpodautoscalers"),
		rule(writeVerbs, groups("batch"), "jobs", "cronjobs"),
		rule(writeVerbs, groups("extensions"), "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses",
			"replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"),
		rule(writeVerbs, groups("policy"), "poddisruptionbudgets"),
		rule(writeVerbs, groups("networking.k8s.io"), "networkpolicies", "ingresses"),
		rule(readWriteVerbs, groups("coordination.k8s.io"), "leases"),
		rule(writeVerbs, groups("resource.k8s.io"), "resourceclaims", "resourceclaimtemplates"),
	}
}

// adminRules are system:aggregate-to-admin's: what admin has beyond edit, managing the
// namespace's roles and bindings.
func adminRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule([]string{"create"}, groups("authorization.k8s.io"), "localsubjectaccessreviews"),
		rule(readWriteVerbs, groups(rbacv1.GroupName), "roles", "rolebindings"),
	}
}

// gatherAggregated fills in the rules of every role with an aggregation rule from the roles
// it selects, as upstream's aggregation controller does once the server runs (each
// selected role in name order, a rule once), until nothing changes: edit takes view's
// rules, and admin edit's.
func gatherAggregated(roles []*rbacv1.ClusterRole) {
	byName := slices.Clone(roles)
	slices.SortFunc(byName, func(a, b *rbacv1.ClusterRole) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	for changed := true; changed; {
		changed = false
		for _, target := range roles {
			if target.AggregationRule == nil {
				continue
			}
			var rules []rbacv1.PolicyRule
			for _, src := range byName {
				if src == target || !selectedBy(src, target.AggregationRule) {
					continue
				}
				for _, r := range src.Rules {
					if !slices.ContainsFunc(rules, func(have rbacv1.PolicyRule) bool { return apiequality.Semantic.DeepEqual(have, r) }) {
						rules = append(rules, r)
					}
				}
			}
			if !apiequality.Semantic.DeepEqual(rules, target.Rules) {
				target.Rules = rules
				changed = true
			}
		}
	}
}

// selectedBy reports whether any of the rule's selectors (here: label equalities
// only, which is all the default policy uses) selects role.
func selectedBy(role *rbacv1.ClusterRole, rule *rbacv1.AggregationRule) bool {
	for _, sel := range rule.ClusterRoleSelectors {
		match := len(sel.MatchLabels) > 0 && len(sel.MatchExpressions) == 0
		for k, v := range sel.MatchLabels {
			match = match && role.Labels[k] == v
		}
		if match {
			return true
		}
	}
	return false
}
