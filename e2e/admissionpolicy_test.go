package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// A ValidatingAdmissionPolicy bound with the Deny action refuses the creates its CEL
// validations reject, in the namespaces its selectors pick, with upstream's 422.
func TestValidatingAdmissionPolicy(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "kite-guarded", Labels: map[string]string{"kite-guarded": "true"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kite-free"}},
	} {
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	match := &admissionregistrationv1.MatchResources{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kite-guarded": "true"}},
		ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
		}}},
	}
	_, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-replicas"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: match,
			Variables:        []admissionregistrationv1.Variable{{Name: "replicas", Expression: "object.spec.replicas"}},
			Validations: []admissionregistrationv1.Validation{{
				Expression:        "variables.replicas > 1",
				MessageExpression: "'wants replicas > 1, got ' + string(variables.replicas)",
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-replicas"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        "kite-replicas",
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deployment := func(name string, replicas int32) *appsv1.Deployment {
		labels := map[string]string{"app": name}
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To(replicas),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
				},
			},
		}
	}
	const want = "ValidatingAdmissionPolicy 'kite-replicas' with binding 'kite-replicas' denied request: wants replicas > 1, got 1"
	// The policy takes effect within moments, as upstream's.
	eventually(t, 30*time.Second, func() string {
		_, err := c.AppsV1().Deployments("kite-guarded").Create(ctx, deployment("one", 1), metav1.CreateOptions{})
		if err == nil {
			_ = c.AppsV1().Deployments("kite-guarded").Delete(ctx, "one", metav1.DeleteOptions{})
			return "a one-replica deployment was admitted"
		}
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
			return "got " + err.Error()
		}
		return ""
	})
	if _, err := c.AppsV1().Deployments("kite-guarded").Create(ctx, deployment("two", 2), metav1.CreateOptions{}); err != nil {
		t.Errorf("two replicas: %v", err)
	}
	if _, err := c.AppsV1().Deployments("kite-free").Create(ctx, deployment("one", 1), metav1.CreateOptions{}); err != nil {
		t.Errorf("outside the selected namespaces: %v", err)
	}
	// Once the binding is gone the policy no longer applies.
	if err := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(ctx, "kite-replicas", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		_, err := c.AppsV1().Deployments("kite-guarded").Create(ctx, deployment("three", 1), metav1.CreateOptions{})
		if err != nil {
			return err.Error()
		}
		return ""
	})
}

// A MutatingAdmissionPolicy changes the objects its binding selects as they are
// created: an apply configuration merged in, a JSON patch applied.
func TestMutatingAdmissionPolicy(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kite-mutated", Labels: map[string]string{"kite-mutated": "true"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.AdmissionregistrationV1().MutatingAdmissionPolicies().Create(ctx, &admissionregistrationv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-mutate"},
		Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kite-mutated": "true"}},
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}},
			},
			ReinvocationPolicy: admissionregistrationv1.NeverReinvocationPolicy,
			Mutations: []admissionregistrationv1.Mutation{
				{PatchType: admissionregistrationv1.PatchTypeApplyConfiguration, ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{
					Expression: `Object{metadata: Object.metadata{annotations: {"mutated-by": "kite"}}, data: {"added": "yes"}}`,
				}},
				{PatchType: admissionregistrationv1.PatchTypeJSONPatch, JSONPatch: &admissionregistrationv1.JSONPatch{
					Expression: `[JSONPatch{op: "replace", path: "/data/mine", value: object.data.mine + "!"}]`,
				}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.MutatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-mutate"},
		Spec:       admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "kite-mutate"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		cm, err := c.CoreV1().ConfigMaps("kite-mutated").Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "kite-"},
			Data:       map[string]string{"mine": "kept"},
		}, metav1.CreateOptions{})
		if err != nil {
			return err.Error()
		}
		if cm.Annotations["mutated-by"] != "kite" || cm.Data["added"] != "yes" || cm.Data["mine"] != "kept!" {
			return fmt.Sprintf("not mutated: %v %v", cm.Annotations, cm.Data)
		}
		return ""
	})
	// Other namespaces are not selected.
	cm, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-plain"}, Data: map[string]string{"mine": "kept"}}, metav1.CreateOptions{})
	if err != nil || len(cm.Annotations) != 0 || cm.Data["mine"] != "kept" {
		t.Errorf("outside the selector: %v %+v", err, cm)
	}
}
