package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kiteCappedScalerCRD is a custom resource with a scale subresource whose schema
// allows at most 10 replicas: a rule of the parent a scale can break.
const kiteCappedScalerCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kitecappedscalers.order.kite.dev}
spec:
  group: order.kite.dev
  scope: Namespaced
  names: {plural: kitecappedscalers, singular: kitecappedscaler, kind: KiteCappedScaler}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer, maximum: 10}
          status:
            type: object
            properties:
              replicas: {type: integer}
`

// As upstream, a scale is validated by its parent before the validating webhooks
// are asked: kubectl scale beyond what the custom resource's schema allows is a 422
// about the parent, and the validating webhook on <resource>/scale never sees it.
func TestScaleParentValidationBeforeWebhooks(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	bin := newest(t)
	ctx := context.Background()
	const ns = "kite-scale-order"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"kite-webhooks": "on"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteCappedScalerCRD))
	kubectl(t, bin, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitecappedscalers.order.kite.dev")
	kubectl(t, bin, kc, "-n", ns, "create", "-f", writeFile(t, "scaler.json",
		`{"apiVersion":"order.kite.dev/v1","kind":"KiteCappedScaler","metadata":{"name":"kite-capped"},"spec":{"replicas":1}}`))

	log := &admissionLog{}
	wh := startKiteWebhook(t, log.answer)
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-scale-order"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{validatingWebhook("record.kite.test", wh.byURL("/record"),
			[]admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{"order.kite.dev"}, APIVersions: []string{"v1"}, Resources: []string{"kitecappedscalers/scale"}}}})},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A scale within the schema reaches the webhook (once it is in effect).
	n := 1
	eventually(t, 30*time.Second, func() string {
		n = n%10 + 1 // 2..10, all allowed
		kubectl(t, bin, kc, "-n", ns, "scale", "kitecappedscalers.order.kite.dev/kite-capped", "--replicas="+strconv.Itoa(n))
		if len(log.take()) == 0 {
			return "the webhook did not see the scale yet"
		}
		return ""
	})

	// Beyond it: refused by the parent's validation, and the webhook hears nothing.
	out, ok := kubectlStderr(t, bin, kc, "-n", ns, "scale", "kitecappedscalers.order.kite.dev/kite-capped", "--replicas=11")
	if ok {
		t.Fatal("kubectl scale --replicas=11 succeeded")
	}
	if !strings.Contains(out, `"kite-capped" is invalid`) || !strings.Contains(out, "spec.replicas in body should be less than or equal to 10") {
		t.Errorf("kubectl scale --replicas=11: %q, want the custom resource's 422 about spec.replicas", out)
	}
	if got := log.take(); len(got) != 0 {
		t.Errorf("the validating webhook saw %q for a scale the parent refuses", got)
	}
	if got := kubectl(t, bin, kc, "-n", ns, "get", "kitecappedscalers.order.kite.dev", "kite-capped", "-o", "jsonpath={.spec.replicas}"); got != strconv.Itoa(n) {
		t.Errorf("spec.replicas %q after the refused scale, want %d, the last one admitted", got, n)
	}
}
