// Package rbac holds the rules of the four rbac.authorization.k8s.io/v1 resources:
// roles and rolebindings (namespaced), clusterroles and clusterrolebindings (cluster
// scoped), and the cluster roles and binding every cluster starts with (Bootstrap).
// They share one package because they share their rules: policy rules, subjects and
// role references are checked the same way in all of them.
//
// Invariants kept by the Strategies: names are path segments, as upstream's; every rule
// names its verbs and either resources (with API groups) or, in cluster roles only,
// non-resource URLs; a binding's roleRef names a Role or ClusterRole in this group (a
// ClusterRoleBinding only a ClusterRole) and never changes once written; subjects are
// users, groups (in this group) or service accounts (in the core group, with a
// namespace in cluster bindings).
//
// The objects are stored and served only: nothing here enforces them (that is the
// authorizer's work, a later issue). The default aggregated roles (admin, edit, view)
// are created with their rules already gathered; keeping aggregated roles up to date
// as other roles change is the aggregation controller's work, not this package's.
//
// Called by apiserver/registry's Store (through the Resources' Strategies), by
// discovery, and by the server's bootstrap (Bootstrap).
package rbac
