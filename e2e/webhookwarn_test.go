package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// Warnings in admission webhooks' answers reach the client as Warning headers, which
// kubectl prints on stderr and client-go hands to its warning handler.

// warningsSeen is a client-go warning handler that keeps what it is given.
type warningsSeen struct {
	mu    sync.Mutex
	texts []string
}

func (w *warningsSeen) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if code == 299 {
		w.texts = append(w.texts, text)
	}
}

// take returns the warnings seen since the last take.
func (w *warningsSeen) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.texts
	w.texts = nil
	return out
}

// warnAnswer is the test webhook: /warn-mutate and /warn-validate allow with
// warnings, /warn-refuse refuses configmaps with key "refuse" with a warning too.
func warnAnswer(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	switch path {
	case "/warn-mutate":
		return &admissionv1.AdmissionResponse{Allowed: true, Warnings: []string{"kite-mutating: label your configmaps", "kite-both: said twice"}}
	case "/warn-validate":
		return &admissionv1.AdmissionResponse{Allowed: true, Warnings: []string{`kite-validating: "quoted" text`, "kite-both: said twice"}}
	case "/warn-refuse":
		if strings.Contains(string(r.Object.Raw), `"refuse"`) {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "refused by kite"},
				Warnings: []string{"kite-refusing: you were warned"}}
		}
	}
	return &admissionv1.AdmissionResponse{Allowed: true}
}

// kubectlStderr runs kubectl and returns its stderr and whether it succeeded.
func kubectlStderr(t *testing.T, bin, kubeconfig string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.String(), err == nil
}

func TestAdmissionWebhookWarnings(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	k := newest(t)
	ctx := context.Background()
	wh := startKiteWebhook(t, warnAnswer)

	// A client whose warnings the test reads.
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	seen := &warningsSeen{}
	cfg.WarningHandler = seen
	wc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}

	ns := "kite-warned"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"kite-webhooks": "on"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-warn-mutate"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "warn-mutate.kite.test", ClientConfig: wh.byURL("/warn-mutate"),
			Rules: webhookRules("", "v1", "configmaps"), SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kite-webhooks": "on"}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-warn-validate"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			validatingWebhook("warn-validate.kite.test", wh.byURL("/warn-validate"), webhookRules("", "v1", "configmaps")),
			validatingWebhook("warn-refuse.kite.test", wh.byURL("/warn-refuse"), webhookRules("", "v1", "configmaps")),
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// client-go: every webhook's warnings, each text once, quotes intact. The
	// configurations take effect within moments.
	want := []string{"kite-mutating: label your configmaps", "kite-both: said twice", `kite-validating: "quoted" text`}
	n := 0
	eventually(t, 30*time.Second, func() string {
		n++
		name := "cm-" + strings.Repeat("x", n)
		if _, err := wc.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			return "create: " + err.Error()
		}
		if got := seen.take(); !slices.Equal(got, want) {
			return "client-go saw warnings " + strings.Join(got, " | ")
		}
		return ""
	})
	// Outside the selected namespace no webhook runs, so no warning.
	if _, err := wc.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-quiet"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := seen.take(); len(got) != 0 {
		t.Errorf("a create no webhook saw warned: %q", got)
	}

	// A refusal carries its webhook's warning along with the error.
	_, err = wc.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "refused"},
		Data: map[string]string{"refuse": "yes"}}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "refused by kite") {
		t.Fatalf("want the webhook's refusal, got %v", err)
	}
	if got := seen.take(); !slices.Contains(got, "kite-refusing: you were warned") {
		t.Errorf("the refusal's warnings: %q", got)
	}

	// Stock kubectl prints each warning on stderr, for a create and for a refusal.
	stderr, ok := kubectlStderr(t, k, kc, "create", "configmap", "kubectl-made", "-n", ns)
	if !ok {
		t.Fatalf("kubectl create failed: %s", stderr)
	}
	for _, text := range want {
		if strings.Count(stderr, "Warning: "+text+"\n") != 1 {
			t.Errorf("kubectl stderr lacks %q once:\n%s", "Warning: "+text, stderr)
		}
	}
	stderr, ok = kubectlStderr(t, k, kc, "create", "configmap", "kubectl-refused", "-n", ns, "--from-literal=refuse=yes")
	if ok || !strings.Contains(stderr, "Warning: kite-refusing: you were warned") || !strings.Contains(stderr, "refused by kite") {
		t.Errorf("kubectl create of a refused configmap (ok=%v):\n%s", ok, stderr)
	}
}

// A ValidatingAdmissionPolicy bound with the Warn action admits what it would refuse
// and warns, in upstream's words.
func TestValidatingAdmissionPolicyWarnings(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	k := newest(t)
	ctx := context.Background()
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-data-wanted"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "has(object.data)", Message: "a configmap wants data"}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-data-wanted-warn"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "kite-data-wanted",
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const want = "Warning: Validation failed for ValidatingAdmissionPolicy 'kite-data-wanted' with binding 'kite-data-wanted-warn': a configmap wants data"
	n := 0
	eventually(t, 30*time.Second, func() string {
		n++
		stderr, ok := kubectlStderr(t, k, kc, "create", "configmap", "kite-empty-"+strings.Repeat("x", n))
		if !ok {
			return "kubectl create failed: " + stderr
		}
		if !strings.Contains(stderr, want+"\n") {
			return "kubectl stderr: " + stderr
		}
		return ""
	})
	stderr, ok := kubectlStderr(t, k, kc, "create", "configmap", "kite-full", "--from-literal=k=v")
	if !ok || strings.Contains(stderr, "Warning:") {
		t.Errorf("a configmap with data (ok=%v) warned: %s", ok, stderr)
	}
}
