package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The label and annotation upstream puts on the objects of its default policy, so that
// tools (and its own reconciler) can tell them from the cluster's own.
const (
	bootstrappingLabel   = "kubernetes.io/bootstrapping"
	autoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"
)

// Bootstrap returns the user-facing part of upstream's default policy, which the
// server creates at its first start: cluster-admin (everything) bound to the
// system:masters group, and the aggregated admin, edit and view roles with the labels
// that nest them (view's rules are part of edit's, edit's of admin's) and the
// system:aggregate-to-admin, -edit and -view roles they gather their rules from. The
// aggregated roles come with their rules already gathered, as upstream's aggregation
// controller fills them moments after start. The component roles (system:node,
// system:kube-scheduler, ...) are not created yet; nothing enforces RBAC so far.
func Bootstrap() []runtime.Object {
	aggregate := func(to string) *rbacv1.AggregationRule {
		return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-" + to: "true"}},
		}}
	}
	roles := []*rbacv1.ClusterRole{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin"},
			Rules: []rbacv1.PolicyRule{
				{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
				{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}},
			},
		},
		{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, AggregationRule: aggregate("admin")},
		{
			ObjectMeta:      metav1.ObjectMeta{Name: "edit", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
			AggregationRule: aggregate("edit"),
		},
		{
			ObjectMeta:      metav1.ObjectMeta{Name: "view", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
			AggregationRule: aggregate("view"),
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "system:aggregate-to-admin", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
			Rules:      adminRules(),
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "system:aggregate-to-edit", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
			Rules:      editRules(),
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "system:aggregate-to-view", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
			Rules:      viewRules(),
		},
	}
	gatherAggregated(roles)
	var out []runtime.Object
	for _, r := range roles {
		markDefault(&r.ObjectMeta)
		out = append(out, r)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:masters"}},
	}
	markDefault(&binding.ObjectMeta)
	return append(out, binding)
}

func markDefault(m *metav1.ObjectMeta) {
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	m.Labels[bootstrappingLabel] = "rbac-defaults"
	m.Annotations = map[string]string{autoupdateAnnotation: "true"}
}
