package rbac

import (
	"context"
	"slices"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestRoleRules(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, RoleResource(), memory.New(memory.Config{}))
	good := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}}
	if _, err := s.Create(ctx, "shop", good, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bad := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Rules: []rbacv1.PolicyRule{
		{Resources: []string{"pods"}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}, Resources: []string{"pods"}},
	}}
	_, err := s.Create(ctx, "shop", bad, metav1.CreateOptions{})
	want := []string{"rules[0].verbs", "rules[0].apiGroups", "rules[1].nonResourceURLs", "rules[1].nonResourceURLs"}
	if got := registrytest.Causes(t, err); !slices.Equal(got, want) {
		t.Errorf("causes %v, want %v", got, want)
	}
	// Names are path segments: "system:x" is fine, "a/b" is not.
	for name, ok := range map[string]bool{"system:auth-delegator": true, "a/b": false, "..": false} {
		r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: good.Rules}
		if _, err := s.Create(ctx, "shop", r, metav1.CreateOptions{}); (err == nil) != ok {
			t.Errorf("role named %q: %v", name, err)
		}
	}
}

func TestClusterRoleRules(t *testing.T) {
	s := ClusterRoleStrategy{}
	ctx := context.Background()
	ok := &rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}}
	if errs := s.Validate(ctx, ok); len(errs) != 0 {
		t.Errorf("non-resource URLs in a cluster role: %v", errs)
	}
	agg := &rbacv1.ClusterRole{AggregationRule: &rbacv1.AggregationRule{}}
	if got := registrytest.Messages(s.Validate(ctx, agg)); !slices.Equal(got, []string{"aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"}) {
		t.Errorf("empty aggregation: %q", got)
	}
	agg.AggregationRule.ClusterRoleSelectors = []metav1.LabelSelector{{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}}
	if got := registrytest.Paths(s.Validate(ctx, agg)); len(got) == 0 || got[0] != "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator" {
		t.Errorf("bad selector: %v", got)
	}
}

func TestBindings(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, ClusterRoleBindingResource(), memory.New(memory.Config{}))
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ops"},
		RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "jane"}, {Kind: "ServiceAccount", Name: "bot", Namespace: "ci"}},
	}
	out, err := s.Create(ctx, "", b, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*rbacv1.ClusterRoleBinding)
	if created.RoleRef.APIGroup != rbacv1.GroupName || created.Subjects[0].APIGroup != rbacv1.GroupName || created.Subjects[1].APIGroup != "" {
		t.Errorf("defaults: %+v", created)
	}
	// The role reference never changes (422, as upstream).
	upd := created.DeepCopy()
	upd.RoleRef.Name = "edit"
	_, err = s.Update(ctx, "", "ops", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"roleRef"}) {
		t.Errorf("roleRef change: causes %v", got)
	}
	// Subjects may change.
	upd = created.DeepCopy()
	upd.Subjects = upd.Subjects[:1]
	if _, err := s.Update(ctx, "", "ops", upd, metav1.UpdateOptions{}, ""); err != nil {
		t.Errorf("subjects change: %v", err)
	}

	bad := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", APIGroup: "example.com"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bot"}, {Kind: "Robot", Name: "r"}, {Kind: "User", APIGroup: "x"}},
	}
	_, err = s.Create(ctx, "", bad, metav1.CreateOptions{})
	want := []string{"roleRef.apiGroup", "roleRef.kind", "roleRef.name", "subjects[0].namespace", "subjects[1].kind", "subjects[2].name", "subjects[2].apiGroup"}
	if got := registrytest.Causes(t, err); !slices.Equal(got, want) {
		t.Errorf("causes %v, want %v", got, want)
	}
	// A RoleBinding may name a Role; its service accounts need no namespace.
	rb := &rbacv1.RoleBinding{RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "r"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "bot"}}}
	if errs := (RoleBindingStrategy{}).Validate(ctx, rb); len(errs) != 0 {
		t.Errorf("role binding: %v", errs)
	}
}

func TestBindingTable(t *testing.T) {
	for _, cols := range [][]metav1.TableColumnDefinition{RoleBindingStrategy{}.TableColumns(), ClusterRoleBindingStrategy{}.TableColumns()} {
		all, wide := registrytest.ColumnNames(cols)
		if !slices.Equal(all, []string{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}) || !slices.Equal(wide, []string{"Users", "Groups", "ServiceAccounts"}) {
			t.Errorf("columns %v wide %v", all, wide)
		}
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "devs", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour))},
		RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "edit"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "jane"}, {Kind: "User", Name: "joe"}, {Kind: "Group", Name: "devs"},
			{Kind: "ServiceAccount", Namespace: "ci", Name: "bot"}},
	}
	row, err := RoleBindingStrategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(b)
	want := []any{"devs", "ClusterRole/edit", "120m", "jane, joe", "devs", "ci/bot"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, want %#v (%v)", row, want, err)
	}
}

func TestBootstrapIsValid(t *testing.T) {
	ctx := context.Background()
	names := map[string]bool{}
	for _, obj := range Bootstrap() {
		switch o := obj.(type) {
		case *rbacv1.ClusterRole:
			names[o.Name] = true
			if errs := (ClusterRoleStrategy{}).Validate(ctx, o); len(errs) != 0 {
				t.Errorf("%s: %v", o.Name, errs)
			}
			if o.Labels["kubernetes.io/bootstrapping"] != "rbac-defaults" {
				t.Errorf("%s labels %v", o.Name, o.Labels)
			}
		case *rbacv1.ClusterRoleBinding:
			if errs := (ClusterRoleBindingStrategy{}).Validate(ctx, o); len(errs) != 0 || o.Subjects[0].Name != "system:masters" {
				t.Errorf("%s: %v %+v", o.Name, errs, o.Subjects)
			}
		}
	}
	for _, n := range []string{"cluster-admin", "admin", "edit", "view", "system:aggregate-to-admin", "system:aggregate-to-edit", "system:aggregate-to-view"} {
		if !names[n] {
			t.Errorf("no %s role", n)
		}
	}
}

func TestBootstrapAggregates(t *testing.T) {
	rules := map[string][]rbacv1.PolicyRule{}
	for _, obj := range Bootstrap() {
		if r, ok := obj.(*rbacv1.ClusterRole); ok {
			rules[r.Name] = r.Rules
		}
	}
	view, edit, admin := len(viewRules()), len(editRules()), len(adminRules())
	if len(rules["view"]) != view || len(rules["edit"]) != edit+view || len(rules["admin"]) != edit+view+admin {
		t.Fatalf("aggregated rule counts: view %d, edit %d, admin %d", len(rules["view"]), len(rules["edit"]), len(rules["admin"]))
	}
	// In the aggregation controller's order: selected roles by name, so edit's own
	// rules (from system:aggregate-to-edit) come before view's.
	if !slices.Contains(rules["admin"][edit+view].Resources, "localsubjectaccessreviews") || !slices.Contains(rules["edit"][0].Resources, "pods/exec") {
		t.Errorf("order: admin %v, edit %v", rules["admin"][edit+view], rules["edit"][0])
	}
	// Sorted lists, as upstream writes its rules.
	r := rules["system:aggregate-to-edit"][len(editRules())-2]
	if !slices.Equal(r.Verbs, []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}) || r.Resources[0] != "leases" {
		t.Errorf("leases rule %+v", r)
	}
	// A role that selects nothing gathers nothing; one selecting itself does not loop.
	self := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "self", Labels: map[string]string{"x": "y"}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"x": "y"}}}}}
	gatherAggregated([]*rbacv1.ClusterRole{self})
	if len(self.Rules) != 0 {
		t.Errorf("self-selecting role: %v", self.Rules)
	}
}
