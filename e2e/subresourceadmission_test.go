package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// A subresource request is admitted once, under its subresource, as upstream: a
// scale as UPDATE of <resource>/scale with a Scale (for deployments and custom
// resources alike), an eviction as CREATE of pods/eviction with the Eviction. The
// writes of the parent they turn into (the deployment's update, the pod's delete)
// are not sent to admission again.

const scaledWidgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: kitescalers.e2e.kite.dev
spec:
  group: e2e.kite.dev
  scope: Namespaced
  names: {plural: kitescalers, singular: kitescaler, kind: KiteScaler}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer}
          status:
            type: object
            properties:
              replicas: {type: integer}
`

// admissionLog is what the recording webhook saw: one line per request,
// "<operation> <resource>[/<subresource>] <kind of object or oldObject> <name>[ replicas=<n>]".
type admissionLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *admissionLog) answer(_ string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	raw := r.Object.Raw
	if raw == nil {
		raw = r.OldObject.Raw
	}
	var obj struct {
		Kind string `json:"kind"`
		Spec struct {
			Replicas *int32 `json:"replicas"`
		} `json:"spec"`
	}
	_ = json.Unmarshal(raw, &obj)
	line := string(r.Operation) + " " + r.Resource.Resource
	if r.SubResource != "" {
		line += "/" + r.SubResource
	}
	line += " " + obj.Kind + " " + r.Name
	if obj.Kind == "Scale" && obj.Spec.Replicas != nil {
		line += fmt.Sprintf(" replicas=%d", *obj.Spec.Replicas)
	}
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	if r.Name == "kite-sra-probe" {
		return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "the probe is refused"}}
	}
	return &admissionv1.AdmissionResponse{Allowed: true}
}

// take returns what was seen since the last take.
func (l *admissionLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

func TestSubresourceAdmissionOnce(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	k := newest(t)
	ctx := context.Background()
	const ns = "kite-sra"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"kite-webhooks": "on"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", scaledWidgetCRD))
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitescalers.e2e.kite.dev")

	log := &admissionLog{}
	wh := startKiteWebhook(t, log.answer)
	rules := func(group string, resources ...string) []admissionregistrationv1.RuleWithOperations {
		return []admissionregistrationv1.RuleWithOperations{{Operations: webhookAllOps,
			Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"*"}, Resources: resources}}}
	}
	var hooks []admissionregistrationv1.ValidatingWebhook
	for i, r := range [][]admissionregistrationv1.RuleWithOperations{
		rules("apps", "deployments", "deployments/scale"),
		rules("", "pods", "pods/eviction"),
		rules("e2e.kite.dev", "kitescalers", "kitescalers/scale"),
	} {
		hooks = append(hooks, validatingWebhook(fmt.Sprintf("record-%d.kite.test", i), wh.byURL("/record"), r))
	}
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-sra-record"}, Webhooks: hooks}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), "kite-sra-record", metav1.DeleteOptions{})
	})

	labels := map[string]string{"app": "kite-sra"}
	deployment := func(name string) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
		}
	}
	// The configuration is in effect once the webhook refuses its probe.
	eventually(t, 30*time.Second, func() string {
		_, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("kite-sra-probe"), metav1.CreateOptions{})
		if err == nil {
			_ = c.AppsV1().Deployments(ns).Delete(ctx, "kite-sra-probe", metav1.DeleteOptions{})
			return "the webhook did not see the probe yet"
		}
		if !strings.Contains(err.Error(), "the probe is refused") {
			return err.Error()
		}
		return ""
	})
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("kite-web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	log.take()

	// kubectl scale: one UPDATE of deployments/scale with the Scale; no UPDATE of
	// the deployment itself.
	if out := kubectl(t, k, kc, "-n", ns, "scale", "deployment/kite-web", "--replicas=3"); out != "deployment.apps/kite-web scaled\n" {
		t.Errorf("kubectl scale: %q", out)
	}
	if got, want := log.take(), []string{"UPDATE deployments/scale Scale kite-web replicas=3"}; !slices.Equal(got, want) {
		t.Errorf("scale of a deployment admitted as %q, want %q", got, want)
	}
	if d, err := c.AppsV1().Deployments(ns).Get(ctx, "kite-web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 3 {
		t.Errorf("deployment after the scale: %v", err)
	}
	// A plain update of the deployment is still the deployment's.
	kubectl(t, k, kc, "-n", ns, "label", "deployment/kite-web", "kite-touched=yes")
	if got, want := log.take(), []string{"UPDATE deployments Deployment kite-web"}; !slices.Equal(got, want) {
		t.Errorf("label of a deployment admitted as %q, want %q", got, want)
	}

	// An eviction: one CREATE of pods/eviction with the Eviction; the pod's delete
	// (and its DisruptionTarget condition) are the eviction's, not admitted again.
	if _, err := c.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-evicted"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	log.take()
	if err := c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "kite-evicted", Namespace: ns}}); err != nil {
		t.Fatalf("eviction: %v", err)
	}
	if got, want := log.take(), []string{"CREATE pods/eviction Eviction kite-evicted"}; !slices.Equal(got, want) {
		t.Errorf("eviction admitted as %q, want %q", got, want)
	}
	eventually(t, 30*time.Second, func() string {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "kite-evicted", metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && p.DeletionTimestamp != nil) {
			return ""
		}
		return fmt.Sprintf("the evicted pod is still there: %v", err)
	})

	// A custom resource's scale, as a deployment's.
	kubectl(t, k, kc, "-n", ns, "apply", "-f", writeFile(t, "scaler.yaml",
		"apiVersion: e2e.kite.dev/v1\nkind: KiteScaler\nmetadata: {name: kite-scaler}\nspec: {replicas: 1}\n"))
	log.take()
	if out := kubectl(t, k, kc, "-n", ns, "scale", "kitescaler/kite-scaler", "--replicas=4"); out != "kitescaler.e2e.kite.dev/kite-scaler scaled\n" {
		t.Errorf("kubectl scale: %q", out)
	}
	if got, want := log.take(), []string{"UPDATE kitescalers/scale Scale kite-scaler replicas=4"}; !slices.Equal(got, want) {
		t.Errorf("scale of a custom resource admitted as %q, want %q", got, want)
	}
	if got := kubectl(t, k, kc, "-n", ns, "get", "kitescaler", "kite-scaler", "-o", "jsonpath={.spec.replicas}"); got != "4" {
		t.Errorf("custom resource after the scale: replicas %q", got)
	}
}
