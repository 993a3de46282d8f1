package admission

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

var configMaps = &registry.Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true}

// configMapRule matches configmaps on ops.
func configMapRule(ops ...admissionregistrationv1.OperationType) *admissionregistrationv1.MatchResources {
	return &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
		RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: ops,
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
		}}}}
}

// fixedSource serves one policy, its bindings and parameter ConfigMaps.
func fixedSource(policy admissionregistrationv1.ValidatingAdmissionPolicy, bindings []admissionregistrationv1.ValidatingAdmissionPolicyBinding, params []corev1.ConfigMap) PolicySource {
	return PolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
			return bindings, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/metadata.name": name}}}, nil
		},
		Params: func(_ context.Context, kind admissionregistrationv1.ParamKind, namespace, name string) ([]runtime.Object, bool, error) {
			if kind.APIVersion != "v1" || kind.Kind != "ConfigMap" {
				return nil, false, apierrors.NewBadRequest("unknown kind")
			}
			var out []runtime.Object
			for i := range params {
				if params[i].Namespace == namespace && (name == "" || params[i].Name == name) {
					out = append(out, &params[i])
				}
			}
			if name != "" && len(out) == 0 {
				return nil, true, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
			}
			return out, true, nil
		},
	}
}

func cm(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: data}
}

func withNode(node string) context.Context {
	return auth.WithUser(context.Background(), auth.User{Name: "system:serviceaccount:ns:default",
		Extra: map[string][]string{"authentication.kubernetes.io/node-name": {node}}})
}

// The policy of upstream's "can restrict access by-node" spec: a match condition on
// request.userInfo, variables reading userInfo.extra with optional types, and
// oldObject on DELETE.
func TestValidatingPolicyByNode(t *testing.T) {
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "by-node"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: configMapRule(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
			MatchConditions:  []admissionregistrationv1.MatchCondition{{Name: "restricted", Expression: `request.userInfo.username == "system:serviceaccount:ns:default"`}},
			Variables: []admissionregistrationv1.Variable{
				{Name: "userNodeName", Expression: `request.userInfo.extra[?'authentication.kubernetes.io/node-name'][0].orValue('')`},
				{Name: "objectNodeName", Expression: `(request.operation == 'DELETE' ? oldObject : object).?metadata.name.orValue('')`},
			},
			Validations: []admissionregistrationv1.Validation{
				{Expression: `variables.userNodeName != ""`, Message: "no node association found for user"},
				{Expression: `variables.userNodeName == variables.objectNodeName`,
					MessageExpression: `"this user running on node '"+variables.userNodeName+"' may not modify ConfigMap '" + variables.objectNodeName + "'"`},
			},
		},
	}
	bindings := []admissionregistrationv1.ValidatingAdmissionPolicyBinding{{ObjectMeta: metav1.ObjectMeta{Name: "by-node"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "by-node", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}}
	v, err := NewValidatingPolicies(fixedSource(policy, bindings, nil))
	if err != nil {
		t.Fatal(err)
	}
	admin := auth.WithUser(context.Background(), auth.User{Name: "kite-admin", Groups: []string{"system:masters"}})
	const denied = "may not modify ConfigMap 'other'"
	for _, c := range []struct {
		name string
		ctx  context.Context
		a    registry.Attributes
		want string // "" to be admitted
	}{
		{"create on own node", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Create, Object: cm("n1", nil)}, ""},
		{"create for another node", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Create, Object: cm("other", nil)}, "this user running on node 'n1' " + denied},
		{"another user is not restricted", admin, registry.Attributes{Operation: admissionregistrationv1.Create, Object: cm("other", nil)}, ""},
		{"no node", withNode(""), registry.Attributes{Operation: admissionregistrationv1.Create, Object: cm("n1", nil)}, "no node association found for user"},
		{"update on own node", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Update, Object: cm("n1", nil), OldObject: cm("n1", nil)}, ""},
		{"update for another node", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Update, Object: cm("other", nil), OldObject: cm("other", nil)}, denied},
		{"delete reads oldObject", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Delete, OldObject: cm("other", nil)}, denied},
		{"delete on own node", withNode("n1"), registry.Attributes{Operation: admissionregistrationv1.Delete, OldObject: cm("n1", nil)}, ""},
	} {
		a := c.a
		a.Resource, a.Namespace = configMaps, "ns"
		if o := a.Object; o != nil {
			a.Name = o.(*corev1.ConfigMap).Name
		} else {
			a.Name = a.OldObject.(*corev1.ConfigMap).Name
		}
		err := v.Validate(c.ctx, &a)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want 422 %q", c.name, err, c.want)
		}
	}
}

// oldObject is null on CREATE and the stored object on UPDATE: an immutability rule.
func TestValidatingPolicyOldObject(t *testing.T) {
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "immutable"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: configMapRule(admissionregistrationv1.OperationAll),
			Validations: []admissionregistrationv1.Validation{
				{Expression: `request.operation != 'CREATE' || oldObject == null`, Message: "oldObject on create"},
				{Expression: `request.operation != 'UPDATE' || object.data.tier == oldObject.data.tier`, Message: "tier is immutable", Reason: ptr.To(metav1.StatusReasonForbidden)},
				{Expression: `request.operation != 'DELETE' || object == null`, Message: "object on delete"},
			},
		},
	}
	bindings := []admissionregistrationv1.ValidatingAdmissionPolicyBinding{{ObjectMeta: metav1.ObjectMeta{Name: "immutable"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "immutable", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}}
	v, err := NewValidatingPolicies(fixedSource(policy, bindings, nil))
	if err != nil {
		t.Fatal(err)
	}
	gold, silver := cm("c", map[string]string{"tier": "gold"}), cm("c", map[string]string{"tier": "silver"})
	for _, c := range []struct {
		name      string
		a         registry.Attributes
		forbidden bool
	}{
		{"create", registry.Attributes{Operation: admissionregistrationv1.Create, Object: gold}, false},
		{"same tier", registry.Attributes{Operation: admissionregistrationv1.Update, Object: gold, OldObject: gold.DeepCopy()}, false},
		{"tier changed", registry.Attributes{Operation: admissionregistrationv1.Update, Object: silver, OldObject: gold}, true},
		{"delete", registry.Attributes{Operation: admissionregistrationv1.Delete, OldObject: gold}, false},
	} {
		a := c.a
		a.Resource, a.Namespace, a.Name = configMaps, "ns", "c"
		err := v.Validate(context.Background(), &a)
		if c.forbidden != (apierrors.IsForbidden(err) && strings.Contains(err.Error(), "tier is immutable")) || !c.forbidden && err != nil {
			t.Errorf("%s: %v, want forbidden %v", c.name, err, c.forbidden)
		}
	}
}

// A policy with a paramKind is evaluated once per parameter object the binding
// names; missing parameters deny or allow as parameterNotFoundAction says.
func TestValidatingPolicyParams(t *testing.T) {
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "max-keys"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			ParamKind:        &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
			MatchConstraints: configMapRule(admissionregistrationv1.Create),
			Validations: []admissionregistrationv1.Validation{{
				Expression:        `size(object.?data.orValue({})) <= int(params.data.max)`,
				MessageExpression: `'at most ' + params.data.max + ' keys (' + params.metadata.name + ')'`,
			}},
		},
	}
	binding := func(ref admissionregistrationv1.ParamRef) []admissionregistrationv1.ValidatingAdmissionPolicyBinding {
		return []admissionregistrationv1.ValidatingAdmissionPolicyBinding{{ObjectMeta: metav1.ObjectMeta{Name: "b"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "max-keys", ParamRef: &ref,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}}
	}
	deny, allow := ptr.To(admissionregistrationv1.DenyAction), ptr.To(admissionregistrationv1.AllowAction)
	limit := func(name, max string, labels map[string]string) corev1.ConfigMap {
		return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: labels}, Data: map[string]string{"max": max}}
	}
	params := []corev1.ConfigMap{limit("two", "2", map[string]string{"limit": "yes"}), limit("one", "1", map[string]string{"limit": "yes"}), limit("zero", "0", nil)}
	three := cm("c", map[string]string{"a": "1", "b": "2", "c": "3"})
	two := cm("c", map[string]string{"a": "1", "b": "2"})
	for _, c := range []struct {
		name string
		ref  admissionregistrationv1.ParamRef
		obj  *corev1.ConfigMap
		want string
	}{
		{"by name, within", admissionregistrationv1.ParamRef{Name: "two", ParameterNotFoundAction: deny}, two, ""},
		{"by name, over", admissionregistrationv1.ParamRef{Name: "two", ParameterNotFoundAction: deny}, three, "denied request: at most 2 keys (two)"},
		{"missing, Deny", admissionregistrationv1.ParamRef{Name: "none", ParameterNotFoundAction: deny}, two,
			"denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"},
		{"missing, Allow", admissionregistrationv1.ParamRef{Name: "none", ParameterNotFoundAction: allow}, three, ""},
		{"selector, every param judges", admissionregistrationv1.ParamRef{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"limit": "yes"}}, ParameterNotFoundAction: deny}, two,
			"at most 1 keys (one)"},
		{"selector, none", admissionregistrationv1.ParamRef{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"limit": "no"}}, ParameterNotFoundAction: deny}, two,
			"no params found"},
		{"another namespace", admissionregistrationv1.ParamRef{Name: "two", Namespace: "elsewhere", ParameterNotFoundAction: deny}, two, "no params found"},
	} {
		v, err := NewValidatingPolicies(fixedSource(policy, binding(c.ref), params))
		if err != nil {
			t.Fatal(err)
		}
		err = v.For(configMaps)(context.Background(), c.obj)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want 422 %q", c.name, err, c.want)
		}
	}
}

// Audit annotations are evaluated: one that fails refuses under failurePolicy Fail
// and not under Ignore.
func TestValidatingPolicyAuditAnnotations(t *testing.T) {
	for _, fp := range []admissionregistrationv1.FailurePolicyType{admissionregistrationv1.Fail, admissionregistrationv1.Ignore} {
		policy := admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "audit"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy:    ptr.To(fp),
				MatchConstraints: configMapRule(admissionregistrationv1.Create),
				AuditAnnotations: []admissionregistrationv1.AuditAnnotation{
					{Key: "fine", ValueExpression: `'name ' + object.metadata.name`},
					{Key: "broken", ValueExpression: `object.data.missing`},
				},
			},
		}
		bindings := []admissionregistrationv1.ValidatingAdmissionPolicyBinding{{ObjectMeta: metav1.ObjectMeta{Name: "audit"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "audit", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}}
		v, err := NewValidatingPolicies(fixedSource(policy, bindings, nil))
		if err != nil {
			t.Fatal(err)
		}
		err = v.For(configMaps)(context.Background(), cm("c", map[string]string{"a": "b"}))
		if fail := fp == admissionregistrationv1.Fail; fail != (err != nil) || fail && !strings.Contains(err.Error(), "valueExpression 'object.data.missing' resulted in error") {
			t.Errorf("failurePolicy %s: %v", fp, err)
		}
	}
}
