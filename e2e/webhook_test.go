package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Admission webhooks through the real binary: the webhook is an HTTPS server in the
// test on 127.0.0.1, registered by url or behind a Service whose EndpointSlice points
// at it, as an in-cluster webhook Deployment would be.

// kiteWebhook is the test's admission webhook. Its certificate names the Service
// kite-webhook.default.svc and 127.0.0.1, signed by itself (the caBundle).
type kiteWebhook struct {
	srv   *httptest.Server
	ca    []byte
	calls atomic.Int32
}

func startKiteWebhook(t *testing.T, answer func(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse) *kiteWebhook {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kite-webhook-e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"kite-webhook.default.svc"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	wh := &kiteWebhook{ca: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	wh.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		wh.calls.Add(1)
		resp := answer(r.URL.Path, review.Request)
		resp.UID = review.Request.UID
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp})
	}))
	wh.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	wh.srv.StartTLS()
	t.Cleanup(wh.srv.Close)
	return wh
}

func (wh *kiteWebhook) byURL(path string) admissionregistrationv1.WebhookClientConfig {
	return admissionregistrationv1.WebhookClientConfig{URL: ptr.To(wh.srv.URL + path), CABundle: wh.ca}
}

// e2eAnswer is the test webhook's behaviour, by path:
//
//	/deny-configmaps   refuses configmaps whose data has key "webhook-e2e-test"
//	/add-label         adds label mutated=yes
//	/deny-widgets      refuses KiteWidgets of size 13
//	/mutate-widgets    sets spec.color green and spec.bogus (which the schema prunes)
//	/deny-attach       refuses attaching to container c1 with stdin
//	/deny-all          refuses everything
func e2eAnswer(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	var obj struct {
		Metadata struct{ Labels map[string]string } `json:"metadata"`
		Data     map[string]string                  `json:"data"`
		Spec     struct{ Size int }                 `json:"spec"`
	}
	raw := r.Object.Raw
	if raw == nil {
		raw = r.OldObject.Raw
	}
	_ = json.Unmarshal(raw, &obj)
	switch path {
	case "/deny-configmaps":
		if _, bad := obj.Data["webhook-e2e-test"]; bad {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "the configmap contains unwanted key and value"}}
		}
		if r.Operation == admissionv1.Delete && obj.Metadata.Labels["kite-undeletable"] == "yes" {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "this configmap stays", Code: http.StatusForbidden}}
		}
	case "/add-label":
		pt := admissionv1.PatchTypeJSONPatch
		patch := `[{"op":"add","path":"/metadata/labels","value":{"mutated":"yes"}}]`
		if obj.Metadata.Labels != nil {
			patch = `[{"op":"add","path":"/metadata/labels/mutated","value":"yes"}]`
		}
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: []byte(patch)}
	case "/deny-widgets":
		if obj.Spec.Size == 13 {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "the custom resource contains unwanted data"}}
		}
	case "/mutate-widgets":
		pt := admissionv1.PatchTypeJSONPatch
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt,
			Patch: []byte(`[{"op":"add","path":"/spec/color","value":"green"},{"op":"add","path":"/spec/bogus","value":1}]`)}
	case "/deny-attach":
		var opts corev1.PodAttachOptions
		_ = json.Unmarshal(r.Object.Raw, &opts)
		if r.Operation == admissionv1.Connect && r.SubResource == "attach" && opts.Container == "c1" && opts.Stdin {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "attaching to pod '" + r.Name + "' is not allowed"}}
		}
	case "/deny-all":
		return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "this webhook denies all requests"}}
	}
	return &admissionv1.AdmissionResponse{Allowed: true}
}

var webhookAllOps = []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll}

func webhookRules(group, version, resource string) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{{Operations: webhookAllOps,
		Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{version}, Resources: []string{resource}}}}
}

func validatingWebhook(name string, cc admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
	return admissionregistrationv1.ValidatingWebhook{Name: name, ClientConfig: cc, Rules: rules,
		SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1", "v1beta1"},
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kite-webhooks": "on"}}}
}

func TestAdmissionWebhooks(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	k := newest(t)
	ctx := context.Background()
	wh := startKiteWebhook(t, e2eAnswer)
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "kite-hooked", Labels: map[string]string{"kite-webhooks": "on"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "kite-free"}},
	} {
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-deny-configmaps"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			validatingWebhook("deny-configmaps.kite.test", wh.byURL("/deny-configmaps"), webhookRules("", "v1", "configmaps")),
			// The webhook configurations are never sent to webhooks: this one would
			// refuse their deletion otherwise.
			validatingWebhook("deny-all-configs.kite.test", wh.byURL("/deny-all"), webhookRules(admissionregistrationv1.GroupName, "*", "*")),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-add-label"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "add-label.kite.test", ClientConfig: wh.byURL("/add-label"),
			Rules:       []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kite-webhooks": "on"}},
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "skip-mutation", Operator: metav1.LabelSelectorOpDoesNotExist}}},
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "not-skip-me", Expression: "object.metadata.name != 'skip-me'"}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Data: map[string]string{"webhook-e2e-test": "webhook-disallow"}}
	// The configurations take effect within moments (they are read from the watch
	// cache, as upstream's plugins read informers).
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, bad, metav1.CreateOptions{})
		if err == nil {
			_ = c.CoreV1().ConfigMaps("kite-hooked").Delete(ctx, "bad", metav1.DeleteOptions{})
			return "the webhook did not refuse the configmap yet"
		}
		return ""
	})
	_, err = c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, bad, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `admission webhook "deny-configmaps.kite.test" denied the request: the configmap contains unwanted key and value`) {
		t.Fatalf("create: want the webhook's 400, got %v", err)
	}
	// Stock kubectl shows the message.
	msg := kubectlErr(t, k, kc, "create", "configmap", "bad", "-n", "kite-hooked", "--from-literal=webhook-e2e-test=webhook-disallow")
	if !strings.Contains(msg, "the configmap contains unwanted key and value") {
		t.Errorf("kubectl create: %q", msg)
	}
	// Outside the selected namespaces nothing is called.
	if _, err := c.CoreV1().ConfigMaps("kite-free").Create(ctx, bad, metav1.CreateOptions{}); err != nil {
		t.Fatalf("a namespace the selector leaves out: %v", err)
	}

	// The mutating webhook labels what it sees, except what its object selector and
	// match condition leave out.
	good, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "good", Labels: map[string]string{"undeletable": "no"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if good.Labels["mutated"] != "yes" {
		t.Errorf("created configmap not mutated: %v", good.Labels)
	}
	for _, cm := range []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: "skip-me"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "labelled-skip", Labels: map[string]string{"skip-mutation": "1"}}},
	} {
		got, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, cm, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Labels["mutated"] != "" {
			t.Errorf("%s was mutated although left out: %v", cm.Name, got.Labels)
		}
	}
	if got := kubectl(t, k, kc, "get", "configmap", "good", "-n", "kite-hooked", "-o", "jsonpath={.metadata.labels.mutated}"); got != "yes" {
		t.Errorf("stored label: %q", got)
	}

	// Updates and patches go through the validating webhook too.
	good.Data = map[string]string{"webhook-e2e-test": "webhook-disallow"}
	if _, err := c.CoreV1().ConfigMaps("kite-hooked").Update(ctx, good, metav1.UpdateOptions{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "unwanted key and value") {
		t.Errorf("update: want the webhook's refusal, got %v", err)
	}
	msg = kubectlErr(t, k, kc, "patch", "configmap", "good", "-n", "kite-hooked", "--type=merge", "-p", `{"data":{"webhook-e2e-test":"webhook-disallow"}}`)
	if !strings.Contains(msg, "unwanted key and value") {
		t.Errorf("kubectl patch: %q", msg)
	}
	// A delete the webhook refuses, with its 403.
	if _, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "stays", Labels: map[string]string{"kite-undeletable": "yes"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().ConfigMaps("kite-hooked").Delete(ctx, "stays", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "this configmap stays") {
		t.Errorf("delete: want the webhook's 403, got %v", err)
	}
	if _, err := c.CoreV1().ConfigMaps("kite-hooked").Get(ctx, "stays", metav1.GetOptions{}); err != nil {
		t.Errorf("the refused delete deleted: %v", err)
	}
	// A dry run reaches a webhook without side effects, and is refused as the real
	// thing would be.
	if _, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, bad, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); !apierrors.IsBadRequest(err) {
		t.Errorf("dry run: want the webhook's refusal, got %v", err)
	}

	// Custom resources go through webhooks as the built-in ones.
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteWidgetCRD))
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitewidgets.e2e.kite.dev")
	_, err = c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-deny-widgets"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			validatingWebhook("deny-widgets.kite.test", wh.byURL("/deny-widgets"), webhookRules("e2e.kite.dev", "v1", "kitewidgets")),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	widget := func(name string, size int) string {
		return "apiVersion: e2e.kite.dev/v1\nkind: KiteWidget\nmetadata: {name: " + name + ", namespace: kite-hooked}\nspec: {size: " + strconv.Itoa(size) + "}\n"
	}
	eventually(t, 30*time.Second, func() string {
		cmd := exec.Command(k, "--kubeconfig", kc, "create", "-f", writeFile(t, "w13.yaml", widget("w13", 13)))
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
		outb, err := cmd.CombinedOutput()
		out := string(outb)
		if err == nil {
			kubectl(t, k, kc, "delete", "kitewidget", "w13", "-n", "kite-hooked")
			return "widget of size 13 created: " + out
		}
		if !strings.Contains(out, "the custom resource contains unwanted data") {
			return "unexpected refusal: " + out
		}
		return ""
	})
	_, err = c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-mutate-widgets"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "mutate-widgets.kite.test", ClientConfig: wh.byURL("/mutate-widgets"),
			Rules:       []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, Rule: admissionregistrationv1.Rule{APIGroups: []string{"e2e.kite.dev"}, APIVersions: []string{"v1"}, Resources: []string{"kitewidgets"}}}},
			SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The webhook's change is pruned by the schema before the create answers.
	eventually(t, 30*time.Second, func() string {
		name := "w" + strconv.Itoa(int(time.Now().UnixNano()%1e6))
		out := kubectl(t, k, kc, "create", "-f", writeFile(t, name+".yaml", widget(name, 2)), "-o", "jsonpath={.spec}")
		if out != `{"color":"green","size":2}` {
			return "created widget spec: " + out
		}
		return ""
	})
	kubectl(t, k, kc, "create", "-f", writeFile(t, "w1.yaml", widget("w1", 1)))
	msg = kubectlErr(t, k, kc, "patch", "kitewidget", "w1", "-n", "kite-hooked", "--type=merge", "-p", `{"spec":{"size":13}}`)
	if !strings.Contains(msg, "the custom resource contains unwanted data") {
		t.Errorf("custom resource update: %q", msg)
	}

	// Connecting to a pod is a CONNECT of pods/attach, with the attach options.
	if _, err := c.CoreV1().Pods("kite-hooked").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "to-be-attached"},
		Spec: corev1.PodSpec{NodeName: "kite-nowhere", Containers: []corev1.Container{{Name: "c1", Image: "busybox", Stdin: true}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-deny-attach"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{validatingWebhook("deny-attach.kite.test", wh.byURL("/deny-attach"),
			[]admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Connect},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods/attach"}}}})},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		cmd := exec.Command(k, "--kubeconfig", kc, "attach", "-n", "kite-hooked", "to-be-attached", "-i", "-c", "c1")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "attaching to pod 'to-be-attached' is not allowed") {
			return fmt.Sprintf("kubectl attach: %v: %s", err, out)
		}
		return ""
	})

	// Deleting the configurations is not sent to the deny-all webhook.
	if err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, "kite-deny-configmaps", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting a webhook configuration: %v", err)
	}
	if err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, "kite-add-label", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		if _, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, bad, metav1.CreateOptions{}); err != nil {
			return "still refused after the configuration was deleted: " + err.Error()
		}
		return ""
	})
}

// A webhook behind a Service is reached through the Service, with TLS verified for
// <service>.<namespace>.svc; a configuration whose match
// conditions do not compile is refused; a slow webhook times out.
func TestAdmissionWebhookService(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	ctx := context.Background()
	release := make(chan struct{})
	wh := startKiteWebhook(t, func(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		if path == "/slow" {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return &admissionv1.AdmissionResponse{Allowed: true}
		}
		return e2eAnswer(path, r)
	})
	t.Cleanup(func() { close(release) })
	port := int32(wh.srv.Listener.Addr().(*net.TCPAddr).Port)
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kite-hooked", Labels: map[string]string{"kite-webhooks": "on"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// EndpointSlices may not point at loopback addresses, so the Service is an
	// ExternalName one naming localhost: the webhook is still addressed (and its
	// certificate verified) as kite-webhook.default.svc. (Resolution through
	// EndpointSlices is unit-tested in apiserver/admission.)
	if _, err := c.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-webhook"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	service := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{CABundle: wh.ca,
			Service: &admissionregistrationv1.ServiceReference{Namespace: "default", Name: "kite-webhook", Port: ptr.To(port), Path: ptr.To(path)}}
	}

	// Match conditions that do not compile are refused at create.
	broken := validatingWebhook("broken.kite.test", service("/deny-configmaps"), webhookRules("", "v1", "configmaps"))
	broken.MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "bad", Expression: "... [] bad expression"}}
	_, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-broken"}, Webhooks: []admissionregistrationv1.ValidatingWebhook{broken}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "compilation failed") {
		t.Fatalf("invalid match conditions: want 422 compilation failed, got %v", err)
	}

	_, err = c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-by-service"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{validatingWebhook("by-service.kite.test", service("/deny-configmaps"), webhookRules("", "v1", "configmaps"))},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Data: map[string]string{"webhook-e2e-test": "webhook-disallow"}}
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().ConfigMaps("kite-hooked").Create(ctx, bad, metav1.CreateOptions{})
		if err == nil {
			_ = c.CoreV1().ConfigMaps("kite-hooked").Delete(ctx, "bad", metav1.DeleteOptions{})
			return "not refused yet"
		}
		if !strings.Contains(err.Error(), `admission webhook "by-service.kite.test" denied the request: the configmap contains unwanted key and value`) {
			return "unexpected error: " + err.Error()
		}
		return ""
	})
	if wh.calls.Load() == 0 {
		t.Fatal("the webhook behind the service was never called")
	}

	// A webhook slower than its 1s timeout fails the request (failurePolicy Fail),
	// naming the webhook's URL and the deadline; with Ignore the request goes on.
	slow := validatingWebhook("slow.kite.test", service("/slow"), webhookRules("", "v1", "secrets"))
	slow.TimeoutSeconds = ptr.To[int32](1)
	cfg, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-slow"}, Webhooks: []admissionregistrationv1.ValidatingWebhook{slow}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}}
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().Secrets("kite-hooked").Create(ctx, secret, metav1.CreateOptions{})
		if err == nil {
			_ = c.CoreV1().Secrets("kite-hooked").Delete(ctx, "s", metav1.DeleteOptions{})
			return "not timed out yet"
		}
		if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "https://kite-webhook.default.svc:"+strconv.Itoa(int(port))+"/slow?timeout=1s") ||
			!strings.Contains(err.Error(), "deadline exceeded") {
			return "unexpected error: " + err.Error()
		}
		return ""
	})
	cfg.Webhooks[0].FailurePolicy = ptr.To(admissionregistrationv1.Ignore)
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		if _, err := c.CoreV1().Secrets("kite-hooked").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			return "failurePolicy Ignore: " + err.Error()
		}
		return ""
	})
}
