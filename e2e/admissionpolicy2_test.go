package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// Admission policies on every write, with the request's user, oldObject and
// parameters: upstream's "can restrict access by-node" flow and a parameterised,
// UPDATE-aware policy, through the real binary.

// tokenClient is a client that authenticates with token alone.
func tokenClient(t *testing.T, kubeconfig, token string) kubernetes.Interface {
	t.Helper()
	cfg := rest.AnonymousClientConfig(restConfig(t, kubeconfig))
	cfg.BearerToken = token
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The policy of upstream's by-node spec (test/e2e/auth/per_node_update.go): a
// service account may only write the ConfigMap named after the node its pod runs on,
// read from its token's node claim (request.userInfo.extra), on CREATE, UPDATE,
// DELETE and each delete of a deletecollection; other users are not matched.
func TestAdmissionPolicyByNode(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns, node = "kite-by-node", "kite-node-1"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "kite-sa"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CoreV1().Nodes().Delete(context.Background(), node, metav1.DeleteOptions{}) })
	pod, err := c.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-sleeper"},
		Spec: corev1.PodSpec{ServiceAccountName: "kite-sa", NodeName: node, AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	user := "system:serviceaccount:" + ns + ":kite-sa"
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-by-node"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "isRestrictedUser", Expression: fmt.Sprintf("request.userInfo.username == %q", user)}},
			Variables: []admissionregistrationv1.Variable{
				{Name: "userNodeName", Expression: "request.userInfo.extra[?'authentication.kubernetes.io/node-name'][0].orValue('')"},
				{Name: "objectNodeName", Expression: "(request.operation == 'DELETE' ? oldObject : object).?metadata.name.orValue('')"},
			},
			Validations: []admissionregistrationv1.Validation{
				{Expression: `variables.userNodeName != ""`, Message: "no node association found for user, this user must run in a pod on a node and ServiceAccountTokenPodNodeInfo must be enabled"},
				{Expression: "variables.userNodeName == variables.objectNodeName",
					MessageExpression: `"this user running on node '"+variables.userNodeName+"' may not modify ConfigMap '" + variables.objectNodeName + "' because the name does not match the node name"`},
			},
		},
	}
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(context.Background(), policy.Name, metav1.DeleteOptions{})
	})
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-by-node"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(context.Background(), "kite-by-node", metav1.DeleteOptions{})
	})

	tr, err := c.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "kite-sa", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sa := tokenClient(t, kc, tr.Status.Token)
	review, err := sa.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := review.Status.UserInfo.Extra["authentication.kubernetes.io/node-name"]; len(got) != 1 || got[0] != node {
		t.Fatalf("the token's user has node-name %v, want %s", got, node)
	}

	allowed := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: node}}
	disallowed := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-unlikely-node"}}
	denied := fmt.Sprintf("this user running on node '%s' may not modify ConfigMap '%s' because the name does not match the node name", node, disallowed.Name)
	expectDenied := func(what string, err error, want string) {
		t.Helper()
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want 422 with %q", what, err, want)
		}
	}
	// The policy takes effect within moments, as upstream's.
	eventually(t, 30*time.Second, func() string {
		_, err := sa.CoreV1().ConfigMaps(ns).Create(ctx, disallowed, metav1.CreateOptions{})
		if err == nil {
			_ = c.CoreV1().ConfigMaps(ns).Delete(ctx, disallowed.Name, metav1.DeleteOptions{})
			return "the policy did not refuse a ConfigMap for another node"
		}
		if !strings.Contains(err.Error(), denied) {
			return err.Error()
		}
		return ""
	})
	got, err := sa.CoreV1().ConfigMaps(ns).Create(ctx, allowed, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create the node's ConfigMap: %v", err)
	}
	// The admin is not matched by the condition.
	other, err := c.CoreV1().ConfigMaps(ns).Create(ctx, disallowed, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the admin creates another node's ConfigMap: %v", err)
	}
	if _, err := sa.CoreV1().ConfigMaps(ns).Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Errorf("update the node's ConfigMap: %v", err)
	}
	_, err = sa.CoreV1().ConfigMaps(ns).Update(ctx, other, metav1.UpdateOptions{})
	expectDenied("update another node's ConfigMap", err, denied)
	if err := sa.CoreV1().ConfigMaps(ns).Delete(ctx, allowed.Name, metav1.DeleteOptions{}); err != nil {
		t.Errorf("delete the node's ConfigMap: %v", err)
	}
	err = sa.CoreV1().ConfigMaps(ns).Delete(ctx, disallowed.Name, metav1.DeleteOptions{})
	expectDenied("delete another node's ConfigMap (oldObject)", err, denied)
	// deletecollection admits each delete.
	if _, err := sa.CoreV1().ConfigMaps(ns).Create(ctx, allowed, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = sa.CoreV1().ConfigMaps(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	anyName := regexp.MustCompile(fmt.Sprintf("this user running on node '%s' may not modify ConfigMap .* because the name does not match the node name", node))
	if err == nil || !anyName.MatchString(err.Error()) {
		t.Errorf("deletecollection: %v", err)
	}
	// A token without a node claim is refused.
	plain, err := c.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "kite-sa", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noNode := tokenClient(t, kc, plain.Status.Token)
	// other, as read back, carries a resourceVersion: as upstream, admission answers
	// before the store would refuse it.
	_, err = noNode.CoreV1().ConfigMaps(ns).Create(ctx, other, metav1.CreateOptions{})
	expectDenied("a token without a node", err, "no node association found for user")
	err = noNode.CoreV1().ConfigMaps(ns).Delete(ctx, other.Name, metav1.DeleteOptions{})
	expectDenied("a delete with a token without a node", err, "no node association found for user")
	// Without a policy in the way, the resourceVersion is refused.
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, other, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "resourceVersion should not be set on objects to be created") {
		t.Errorf("create with a resourceVersion: %v, want 400", err)
	}
}

// A policy with a paramKind reads its limit from the ConfigMap its binding names: a
// binding whose parameter is missing refuses (parameterNotFoundAction Deny) until it
// exists; an UPDATE rule compares object with oldObject.
func TestAdmissionPolicyParamsAndOldObject(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-params"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kite-params": "true"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	policies := c.AdmissionregistrationV1().ValidatingAdmissionPolicies()
	bindings := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	// An expression that does not compile is refused when the policy is written.
	_, err := policies.Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-broken"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"}}}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.data.size() >"}},
		},
	}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `spec.validations[0].expression: Invalid value: "object.data.size() >": compilation failed: ERROR:`) {
		t.Errorf("a policy that does not compile: %v, want 422", err)
	}
	// One that compiles but confuses types is stored, with warnings in its status.
	confused, err := policies.Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-confused"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}}}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas > '1'"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = policies.Delete(context.Background(), "kite-confused", metav1.DeleteOptions{}) })
	eventually(t, 30*time.Second, func() string {
		got, err := policies.Get(ctx, confused.Name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		tc := got.Status.TypeChecking
		if tc == nil || len(tc.ExpressionWarnings) != 1 || tc.ExpressionWarnings[0].FieldRef != "spec.validations[0].expression" ||
			!strings.Contains(tc.ExpressionWarnings[0].Warning, "found no matching overload for '_>_' applied to '(int, string)'") {
			return fmt.Sprintf("status %+v", got.Status)
		}
		return ""
	})
	secretRule := &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
		RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"}},
		}}}}
	for _, p := range []*admissionregistrationv1.ValidatingAdmissionPolicy{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-max-keys"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				ParamKind:        &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
				MatchConstraints: secretRule,
				Validations: []admissionregistrationv1.Validation{{
					Expression:        "size(object.?data.orValue({})) <= int(params.data.maxKeys)",
					MessageExpression: "'at most ' + params.data.maxKeys + ' keys'",
				}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-immutable-tier"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				MatchConstraints: secretRule,
				Validations: []admissionregistrationv1.Validation{{
					Expression: "oldObject == null || object.metadata.?labels.tier.orValue('') == oldObject.metadata.?labels.tier.orValue('')",
					Message:    "tier is immutable",
					Reason:     ptr.To(metav1.StatusReasonForbidden),
				}},
			},
		},
	} {
		if _, err := policies.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = policies.Delete(context.Background(), p.Name, metav1.DeleteOptions{}) })
		b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: p.Name},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        p.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{"kite-params": "true"}}},
			},
		}
		if p.Spec.ParamKind != nil {
			b.Spec.ParamRef = &admissionregistrationv1.ParamRef{Name: "kite-limits", ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction)}
		}
		if _, err := bindings.Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = bindings.Delete(context.Background(), b.Name, metav1.DeleteOptions{}) })
	}
	secret := func(name, tier string, keys int) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"tier": tier}}, StringData: map[string]string{}}
		for i := range keys {
			s.StringData[fmt.Sprint("k", i)] = "v"
		}
		return s
	}
	secrets := c.CoreV1().Secrets(ns)
	// No parameter yet: the binding cannot be configured, and refuses.
	eventually(t, 30*time.Second, func() string {
		_, err := secrets.Create(ctx, secret("kite-early", "gold", 1), metav1.CreateOptions{})
		if err == nil {
			_ = secrets.Delete(ctx, "kite-early", metav1.DeleteOptions{})
			return "admitted without its parameter"
		}
		const want = "ValidatingAdmissionPolicy 'kite-max-keys' with binding 'kite-max-keys' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			return err.Error()
		}
		return ""
	})
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-limits"}, Data: map[string]string{"maxKeys": "2"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The parameter is read at once, as upstream reads one its cache lacks.
	s, err := secrets.Create(ctx, secret("kite-two", "gold", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("within the parameter's limit: %v", err)
	}
	if _, err := secrets.Create(ctx, secret("kite-three", "gold", 3), metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "denied request: at most 2 keys") {
		t.Errorf("over the parameter's limit: %v", err)
	}
	// UPDATE: oldObject is the stored Secret.
	s.Labels["tier"] = "silver"
	if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'kite-immutable-tier' with binding 'kite-immutable-tier' denied request: tier is immutable") {
		t.Errorf("changing the tier: %v, want 403", err)
	}
	s.Labels["tier"] = "gold"
	s.Labels["other"] = "x"
	if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Errorf("an update that keeps the tier: %v", err)
	}
	// A patch is an UPDATE too.
	_, err = secrets.Patch(ctx, s.Name, "application/merge-patch+json", []byte(`{"metadata":{"labels":{"tier":"bronze"}}}`), metav1.PatchOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("patching the tier: %v, want 403", err)
	}
}

// Writes of subresources served with a body of their own kind reach policies (and so
// webhooks, which see the same request) as upstream sends them: deployments/scale as an
// UPDATE of an autoscaling/v1 Scale, pods/binding and pods/eviction as CREATEs of a
// Binding and an Eviction; a rule on the resource alone does not match them.
func TestAdmissionPolicySubresources(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-subresources"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rule := func(group string, ops []admissionregistrationv1.OperationType, resources ...string) admissionregistrationv1.NamedRuleWithOperations {
		return admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: ops, Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources}}}
	}
	update := []admissionregistrationv1.OperationType{admissionregistrationv1.Update}
	create := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-subresources"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{
				rule("apps", update, "deployments/scale"),
				rule("", create, "pods/binding", "pods/eviction"),
			}},
			Validations: []admissionregistrationv1.Validation{
				{Expression: "request.subResource != 'scale' || (request.kind.kind == 'Scale' && object.kind == 'Scale' && oldObject.kind == 'Scale' && object.spec.replicas <= 5)",
					MessageExpression: "'scale of ' + request.resource.resource + ' to ' + string(object.spec.replicas) + ' (was ' + string(oldObject.spec.replicas) + ') refused'"},
				{Expression: "request.subResource != 'binding' || (object.kind == 'Binding' && object.target.name != 'kite-forbidden-node')",
					MessageExpression: "'binding to ' + object.target.name + ' refused'"},
				{Expression: "request.subResource != 'eviction' || object.kind != 'Eviction'",
					MessageExpression: "'eviction of ' + request.name + ' refused'"},
			},
		},
	}
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(context.Background(), policy.Name, metav1.DeleteOptions{})
	})
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-subresources"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(context.Background(), "kite-subresources", metav1.DeleteOptions{})
	})

	labels := map[string]string{"app": "kite-web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-web"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
	}
	// A rule on deployments/scale does not match the deployment itself.
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	scale := func(n int32) error {
		s, err := c.AppsV1().Deployments(ns).GetScale(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		s.Spec.Replicas = n
		_, err = c.AppsV1().Deployments(ns).UpdateScale(ctx, d.Name, s, metav1.UpdateOptions{})
		return err
	}
	eventually(t, 30*time.Second, func() string {
		err := scale(9)
		if err == nil {
			return "a scale to 9 was admitted"
		}
		if want := "denied request: scale of deployments to 9 (was 1) refused"; !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			return err.Error()
		}
		return ""
	})
	// The deployment controller writes the status meanwhile; a scale read before that
	// gets a 409, as upstream's, and is read again (kubectl scale does the same).
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error { return scale(3) }); err != nil {
		t.Errorf("scale to 3: %v", err)
	}
	if got, err := c.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{}); err != nil || *got.Spec.Replicas != 3 {
		t.Errorf("after scaling to 3: %v", err)
	}

	pod, err := c.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-pod"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bind := func(node string) error {
		return c.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: pod.Name},
			Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
	}
	if err := bind("kite-forbidden-node"); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "binding to kite-forbidden-node refused") {
		t.Errorf("binding to the forbidden node: %v", err)
	}
	if err := bind("kite-node"); err != nil {
		t.Errorf("binding: %v", err)
	}
	err = c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: ns}})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "eviction of kite-pod refused") {
		t.Errorf("eviction: %v", err)
	}
	if _, err := c.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("the pod after a refused eviction: %v", err)
	}
}

// LimitRanger's checks run in the validating phase, as upstream's: a pod a mutating
// policy gives a limit above the namespace's maximum is refused, though it was within
// the limits as sent.
func TestAdmissionLimitRangeJudgesMutatedPod(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-limits"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cpu := func(q string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)}
	}
	if _, err := c.CoreV1().LimitRanges(ns).Create(ctx, &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "kite-max"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Max: cpu("500m")}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mutating := c.AdmissionregistrationV1().MutatingAdmissionPolicies()
	if _, err := mutating.Create(ctx, &admissionregistrationv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-big-cpu"},
		Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}}}},
			MatchConditions:    []admissionregistrationv1.MatchCondition{{Name: "big", Expression: "object.metadata.name.startsWith('kite-big')"}},
			ReinvocationPolicy: admissionregistrationv1.NeverReinvocationPolicy,
			Mutations: []admissionregistrationv1.Mutation{{PatchType: admissionregistrationv1.PatchTypeJSONPatch,
				JSONPatch: &admissionregistrationv1.JSONPatch{Expression: `[JSONPatch{op: "add", path: "/spec/containers/0/resources/limits/cpu", value: "2"}]`}}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mutating.Delete(context.Background(), "kite-big-cpu", metav1.DeleteOptions{}) })
	if _, err := c.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.MutatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-big-cpu"},
		Spec:       admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "kite-big-cpu"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Delete(context.Background(), "kite-big-cpu", metav1.DeleteOptions{})
	})
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "busybox", Resources: corev1.ResourceRequirements{Limits: cpu("100m"), Requests: cpu("100m")}}}}}
	}
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().Pods(ns).Create(ctx, pod("kite-big"), metav1.CreateOptions{})
		if err == nil {
			_ = c.CoreV1().Pods(ns).Delete(ctx, "kite-big", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
			return "a pod mutated above the maximum was admitted"
		}
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "maximum cpu usage per Container is 500m, but limit is 2") {
			return err.Error()
		}
		return ""
	})
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("kite-small"), metav1.CreateOptions{}); err != nil {
		t.Errorf("a pod the policy leaves alone: %v", err)
	}
}
