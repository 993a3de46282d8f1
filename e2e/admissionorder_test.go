package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Admission runs in upstream's order: mutating webhooks before the validating
// policies and quota, so that both judge the object as the webhooks made it.

// stampAnswer is the test's mutating webhook: /stamp labels configmaps
// stamped=by-webhook, /nodeport turns Services into NodePort Services.
func stampAnswer(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	pt := admissionv1.PatchTypeJSONPatch
	switch path {
	case "/stamp":
		var obj struct {
			Metadata struct{ Labels map[string]string } `json:"metadata"`
		}
		_ = json.Unmarshal(r.Object.Raw, &obj)
		patch := `[{"op":"add","path":"/metadata/labels","value":{"stamped":"by-webhook"}}]`
		if obj.Metadata.Labels != nil {
			patch = `[{"op":"add","path":"/metadata/labels/stamped","value":"by-webhook"}]`
		}
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: []byte(patch)}
	case "/nodeport":
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: []byte(`[{"op":"replace","path":"/spec/type","value":"NodePort"}]`)}
	}
	return &admissionv1.AdmissionResponse{Allowed: true}
}

func TestAdmissionOrderPolicyAndQuotaSeeWebhookChanges(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	wh := startKiteWebhook(t, stampAnswer)
	const ns, free = "kite-ordered", "kite-unhooked"
	for _, n := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kite-webhooks": "on"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: free}},
	} {
		if _, err := c.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	selected := &metav1.LabelSelector{MatchLabels: map[string]string{"kite-webhooks": "on"}}
	var hooks []admissionregistrationv1.MutatingWebhook
	for _, h := range []struct{ name, path, resource string }{{"stamp", "/stamp", "configmaps"}, {"nodeport", "/nodeport", "services"}} {
		hooks = append(hooks, admissionregistrationv1.MutatingWebhook{Name: h.name + ".kite.test", ClientConfig: wh.byURL(h.path),
			Rules: []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{h.resource}}}},
			SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}, NamespaceSelector: selected})
	}
	if _, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-order"}, Webhooks: hooks}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The policy refuses configmaps without the webhook's label, in both namespaces:
	// only the webhook-selected one can create configmaps at all.
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-stamped"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			Validations: []admissionregistrationv1.Validation{{
				// The root CA controller's configmap is left alone.
				Expression: "object.metadata.name == 'kube-root-ca.crt' || has(object.metadata.labels) && 'stamped' in object.metadata.labels && object.metadata.labels['stamped'] == 'by-webhook'",
				Message:    "not stamped by the webhook",
			}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-stamped"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "kite-stamped",
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{ns, free}}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const refusal = "ValidatingAdmissionPolicy 'kite-stamped' with binding 'kite-stamped' denied request: not stamped by the webhook"
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().ConfigMaps(free).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-"}}, metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), refusal) {
			return "the policy does not refuse an unstamped configmap yet"
		}
		return ""
	})
	got, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "stamped"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the policy did not see the webhook's label: %v", err)
	}
	if got.Labels["stamped"] != "by-webhook" {
		t.Fatalf("stored labels %v", got.Labels)
	}

	// Quota: no node ports in either namespace. A ClusterIP Service passes where no
	// webhook runs and is refused where the webhook makes it a NodePort Service.
	for _, n := range []string{ns, free} {
		if _, err := c.CoreV1().ResourceQuotas(n).Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "no-nodeports"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceServicesNodePorts: resource.MustParse("0")}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		quotaUsed(t, c, n, "no-nodeports", map[corev1.ResourceName]string{corev1.ResourceServicesNodePorts: "0"})
	}
	svc := func() *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Ports: []corev1.ServicePort{{Port: 80}}}}
	}
	if _, err := c.CoreV1().Services(free).Create(ctx, svc(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("a ClusterIP Service without the webhook: %v", err)
	}
	_, err = c.CoreV1().Services(ns).Create(ctx, svc(), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota: no-nodeports, requested: services.nodeports=1") {
		t.Fatalf("quota did not judge the webhook's NodePort Service: %v", err)
	}
}
