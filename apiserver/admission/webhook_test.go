package admission

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
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/namespace"
	"kite/apiserver/registry/pod"
)

// webhookServer is an HTTPS admission webhook on 127.0.0.1 whose certificate names
// kite-webhook.default.svc and 127.0.0.1, as a test's own CA signs it. Each path
// answers with its function; every review it received is kept.
type webhookServer struct {
	srv    *httptest.Server
	ca     []byte
	mu     sync.Mutex
	got    []admissionv1.AdmissionReview
	paths  map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse
	before func(path string) // runs before a path's answer (a slow webhook waits here)
}

func newWebhookServer(t *testing.T, paths map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse) *webhookServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kite-webhook-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"kite-webhook.default.svc"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ws := &webhookServer{paths: paths, ca: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	ws.srv = httptest.NewUnstartedServer(http.HandlerFunc(ws.serve))
	ws.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ws.srv.StartTLS()
	t.Cleanup(ws.srv.Close)
	return ws
}

func (ws *webhookServer) serve(w http.ResponseWriter, r *http.Request) {
	answer, ok := ws.paths[r.URL.Path]
	if !ok || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "no such webhook", http.StatusNotFound)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ws.mu.Lock()
	ws.got = append(ws.got, review)
	before := ws.before
	ws.mu.Unlock()
	if before != nil {
		before(r.URL.Path)
	}
	resp := answer(review.Request)
	resp.UID = review.Request.UID
	_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp})
}

func (ws *webhookServer) reviews() []admissionv1.AdmissionReview {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]admissionv1.AdmissionReview(nil), ws.got...)
}

func (ws *webhookServer) url(path string) admissionregistrationv1.WebhookClientConfig {
	return admissionregistrationv1.WebhookClientConfig{URL: ptr.To(ws.srv.URL + path), CABundle: ws.ca}
}

// configs is a test's stored webhook configurations and namespaces.
type configs struct {
	mutating   []admissionregistrationv1.MutatingWebhookConfiguration
	validating []admissionregistrationv1.ValidatingWebhookConfiguration
	namespaces map[string]*corev1.Namespace
	resolve    ResolveFunc
}

func (c *configs) webhooks(t *testing.T) *Webhooks {
	t.Helper()
	resolve := c.resolve
	if resolve == nil {
		resolve = func(context.Context, string, string, int32) (string, error) {
			t.Error("unexpected service resolution")
			return "", nil
		}
	}
	w, err := NewWebhooks(WebhookConfig{
		Mutating: func(context.Context) ([]admissionregistrationv1.MutatingWebhookConfiguration, error) {
			return c.mutating, nil
		},
		Validating: func(context.Context) ([]admissionregistrationv1.ValidatingWebhookConfiguration, error) {
			return c.validating, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) {
			if ns, ok := c.namespaces[name]; ok {
				return ns, nil
			}
			return nil, apierrors.NewNotFound(corev1.Resource("namespaces"), name)
		},
		Resolve: resolve,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var (
	sideEffectsNone = ptr.To(admissionregistrationv1.SideEffectClassNone)
	allOps          = []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll}
)

func rule(ops []admissionregistrationv1.OperationType, group, resource string) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{{Operations: ops,
		Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: []string{resource}}}}
}

func validating(name string, cc admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhookConfiguration {
	return admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: name + ".kite.test", ClientConfig: cc, Rules: rules,
			SideEffects: sideEffectsNone, AdmissionReviewVersions: []string{"v1"}}}}
}

func mutating(name string, cc admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.MutatingWebhookConfiguration {
	return admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: name + ".kite.test", ClientConfig: cc, Rules: rules,
			SideEffects: sideEffectsNone, AdmissionReviewVersions: []string{"v1"}}}}
}

func cmCreate(name string, data map[string]string) *registry.Attributes {
	return &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: configmap.Resource(), Namespace: "team", Name: name,
		Object: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team"}, Data: data}, Options: &metav1.CreateOptions{}}
}

func denyWith(msg string) func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	return func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: msg}}
	}
}

func allow(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: true}
}

func TestValidatingWebhookDeniesWithItsMessage(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{
		"/deny": func(r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
			var cm corev1.ConfigMap
			_ = json.Unmarshal(r.Object.Raw, &cm)
			if cm.Data["bad"] == "" {
				return &admissionv1.AdmissionResponse{Allowed: true}
			}
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "the configmap contains unwanted key and value"}}
		},
		"/deny-code": func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden}}
		},
	})
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{
		validating("a", ws.url("/deny"), rule(allOps, "", "configmaps")),
	}}
	w := c.webhooks(t)
	ctx := auth.WithUser(context.Background(), auth.User{Name: "alice", Groups: []string{"devs"}})
	if err := w.Validate(ctx, cmCreate("good", map[string]string{"ok": "1"})); err != nil {
		t.Fatalf("an allowed configmap was refused: %v", err)
	}
	err := w.Validate(ctx, cmCreate("bad", map[string]string{"bad": "1"}))
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `admission webhook "a.kite.test" denied the request: the configmap contains unwanted key and value`) {
		t.Fatalf("want a 400 with the webhook's message, got %v", err)
	}
	got := ws.reviews()
	if len(got) != 2 {
		t.Fatalf("webhook called %d times, want 2", len(got))
	}
	r := got[1]
	if r.APIVersion != "admission.k8s.io/v1" || r.Request.Operation != admissionv1.Create || r.Request.Kind.Kind != "ConfigMap" ||
		r.Request.Resource.Resource != "configmaps" || r.Request.Namespace != "team" || r.Request.Name != "bad" ||
		r.Request.UserInfo.Username != "alice" || !strings.Contains(string(r.Request.Options.Raw), `"kind":"CreateOptions"`) ||
		!strings.Contains(string(r.Request.Object.Raw), `"kind":"ConfigMap"`) || r.Request.OldObject.Raw != nil {
		t.Errorf("review request is not what upstream sends: %+v", r.Request)
	}

	// A refusal with its own code keeps it.
	c.validating = append(c.validating, validating("b", ws.url("/deny-code"), rule(allOps, "", "configmaps")))
	err = c.webhooks(t).Validate(ctx, cmCreate("good", nil))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `admission webhook "b.kite.test" denied the request: Forbidden`) {
		t.Fatalf("want the webhook's 403, got %v", err)
	}
}

func TestValidatingWebhookOperationsAndSubresources(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/deny": denyWith("no")})
	rules := func(ops []admissionregistrationv1.OperationType, resources ...string) []admissionregistrationv1.RuleWithOperations {
		return []admissionregistrationv1.RuleWithOperations{{Operations: ops,
			Rule: admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: resources}}}
	}
	podObj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "team"}}
	for _, tc := range []struct {
		name   string
		rules  []admissionregistrationv1.RuleWithOperations
		a      *registry.Attributes
		called bool
	}{
		{"create not matched by update rule", rules([]admissionregistrationv1.OperationType{admissionregistrationv1.Update}, "configmaps"), cmCreate("x", nil), false},
		{"update", rules([]admissionregistrationv1.OperationType{admissionregistrationv1.Update}, "configmaps"),
			&registry.Attributes{Operation: admissionregistrationv1.Update, Resource: configmap.Resource(), Namespace: "team", Name: "x", Object: &corev1.ConfigMap{}, OldObject: &corev1.ConfigMap{}}, true},
		{"delete", rules([]admissionregistrationv1.OperationType{admissionregistrationv1.Delete}, "configmaps"),
			&registry.Attributes{Operation: admissionregistrationv1.Delete, Resource: configmap.Resource(), Namespace: "team", Name: "x", OldObject: &corev1.ConfigMap{}, Options: &metav1.DeleteOptions{}}, true},
		{"pods does not cover pods/status", rules(allOps, "pods"),
			&registry.Attributes{Operation: admissionregistrationv1.Update, Resource: pod.Resource(), Subresource: "status", Namespace: "team", Name: "p", Object: podObj, OldObject: podObj}, false},
		{"pods/* covers pods/status", rules(allOps, "pods/*"),
			&registry.Attributes{Operation: admissionregistrationv1.Update, Resource: pod.Resource(), Subresource: "status", Namespace: "team", Name: "p", Object: podObj, OldObject: podObj}, true},
		{"pods/* covers pods too", rules(allOps, "pods/*"),
			&registry.Attributes{Operation: admissionregistrationv1.Create, Resource: pod.Resource(), Namespace: "team", Name: "p", Object: podObj}, true},
		{"* does not cover a subresource", rules(allOps, "*"),
			&registry.Attributes{Operation: admissionregistrationv1.Update, Resource: pod.Resource(), Subresource: "status", Namespace: "team", Name: "p", Object: podObj, OldObject: podObj}, false},
		{"*/* covers pods/attach", rules([]admissionregistrationv1.OperationType{admissionregistrationv1.Connect}, "*/*"),
			&registry.Attributes{Operation: admissionregistrationv1.Connect, Resource: pod.Resource(), Subresource: "attach", Namespace: "team", Name: "p",
				Kind: corev1.SchemeGroupVersion.WithKind("PodAttachOptions"), Object: &corev1.PodAttachOptions{Container: "c1", Stdin: true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{validating("v", ws.url("/deny"), tc.rules)}}
			err := c.webhooks(t).Validate(context.Background(), tc.a)
			if tc.called != (err != nil) {
				t.Fatalf("called=%v, want %v (err %v)", err != nil, tc.called, err)
			}
		})
	}
	last := ws.reviews()[len(ws.reviews())-1].Request
	if last.Operation != admissionv1.Connect || last.SubResource != "attach" || last.Kind.Kind != "PodAttachOptions" ||
		!strings.Contains(string(last.Object.Raw), `"container":"c1"`) {
		t.Errorf("connect review: %+v, object %s", last, last.Object.Raw)
	}
}

func TestMutatingWebhooksPatchInOrderAndReinvoke(t *testing.T) {
	addPatch := func(key string) func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		return func(r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
			var cm corev1.ConfigMap
			_ = json.Unmarshal(r.Object.Raw, &cm)
			if cm.Data[key] != "" {
				return &admissionv1.AdmissionResponse{Allowed: true}
			}
			pt := admissionv1.PatchTypeJSONPatch
			return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt,
				Patch: []byte(`[{"op":"add","path":"/data/` + key + `","value":"` + key + `-after-` + strings.Join(keysOf(cm.Data), ",") + `"}]`)}
		}
	}
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{
		"/first": addPatch("first"), "/second": addPatch("second"),
	})
	first := mutating("a-first", ws.url("/first"), rule(allOps, "", "configmaps"))
	first.Webhooks[0].ReinvocationPolicy = ptr.To(admissionregistrationv1.IfNeededReinvocationPolicy)
	second := mutating("b-second", ws.url("/second"), rule(allOps, "", "configmaps"))
	// Stored in the other order: configurations run in name order.
	c := &configs{mutating: []admissionregistrationv1.MutatingWebhookConfiguration{second, first}}
	a := cmCreate("m", map[string]string{"start": "yes"})
	if err := c.webhooks(t).Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	cm := a.Object.(*corev1.ConfigMap)
	if cm.Data["first"] != "first-after-start" || cm.Data["second"] != "second-after-first,start" || !a.Mutated {
		t.Fatalf("patches applied wrong: %v (mutated %v)", cm.Data, a.Mutated)
	}
	// first ran, second changed the object, first was reinvoked: three calls.
	if n := len(ws.reviews()); n != 3 {
		t.Fatalf("%d webhook calls, want 3 (first, second, first again)", n)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for _, k := range []string{"first", "second", "start"} {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

func TestWebhookTimeoutAndFailurePolicy(t *testing.T) {
	release := make(chan struct{})
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/slow": allow})
	ws.before = func(string) { <-release }
	t.Cleanup(func() { close(release) })
	slow := validating("slow", ws.url("/slow"), rule(allOps, "", "configmaps"))
	slow.Webhooks[0].TimeoutSeconds = ptr.To[int32](1)
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{slow}}
	start := time.Now()
	err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil))
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), `failed calling webhook "slow.kite.test"`) ||
		!strings.Contains(err.Error(), "/slow?timeout=1s") || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("want a 500 naming the webhook, its URL and the deadline, got %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the 1s timeout took %v", took)
	}
	// failurePolicy Ignore: the request goes on.
	c.validating[0].Webhooks[0].FailurePolicy = ptr.To(admissionregistrationv1.Ignore)
	if err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil)); err != nil {
		t.Fatalf("a failing webhook with failurePolicy Ignore refused the request: %v", err)
	}
}

func TestWebhookUnreachableFailsClosed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{
		validating("gone", admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://" + addr + "/x")}, rule(allOps, "", "configmaps")),
	}}
	if err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil)); !apierrors.IsInternalError(err) {
		t.Fatalf("an unreachable fail-closed webhook must refuse with 500, got %v", err)
	}
}

func TestWebhookSelectorsAndMatchConditions(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/deny": denyWith("no")})
	c := &configs{namespaces: map[string]*corev1.Namespace{
		"team":  {ObjectMeta: metav1.ObjectMeta{Name: "team", Labels: map[string]string{"guarded": "yes"}}},
		"other": {ObjectMeta: metav1.ObjectMeta{Name: "other"}},
	}}
	v := validating("sel", ws.url("/deny"), rule(allOps, "", "*"))
	v.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"guarded": "yes"}}
	v.Webhooks[0].ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "skip", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	v.Webhooks[0].MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "not-skip-me", Expression: "object == null || object.metadata.name != 'skip-me'"}}
	c.validating = []admissionregistrationv1.ValidatingWebhookConfiguration{v}
	w := c.webhooks(t)
	inNS := func(name, ns string, labels map[string]string) *registry.Attributes {
		a := cmCreate(name, nil)
		a.Namespace = ns
		a.Object.(*corev1.ConfigMap).Namespace, a.Object.(*corev1.ConfigMap).Labels = ns, labels
		return a
	}
	nsCreate := func(labels map[string]string) *registry.Attributes {
		return &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: namespace.Resource(), Name: "n",
			Object: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: labels}}}
	}
	for _, tc := range []struct {
		name   string
		a      *registry.Attributes
		called bool
	}{
		{"selected namespace", inNS("x", "team", nil), true},
		{"namespace not selected", inNS("x", "other", nil), false},
		{"object not selected", inNS("x", "team", map[string]string{"skip": "1"}), false},
		{"match condition false", inNS("skip-me", "team", nil), false},
		{"a namespace by its own labels", nsCreate(map[string]string{"guarded": "yes"}), true},
		{"a namespace without them", nsCreate(nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := w.Validate(context.Background(), tc.a); (err != nil) != tc.called {
				t.Fatalf("refused=%v, want %v (err %v)", err != nil, tc.called, err)
			}
		})
	}
	// A missing namespace is a 404, as the namespace lifecycle check would answer.
	if err := w.Validate(context.Background(), inNS("x", "nowhere", nil)); !apierrors.IsNotFound(err) {
		t.Fatalf("missing namespace: want 404, got %v", err)
	}
}

func TestWebhookDryRunAndExemptions(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/allow": allow, "/deny": denyWith("no")})
	v := validating("se", ws.url("/allow"), rule(allOps, "*", "*"))
	v.Webhooks[0].SideEffects = ptr.To(admissionregistrationv1.SideEffectClassSome)
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{v}}
	a := cmCreate("x", nil)
	a.DryRun = true
	err := c.webhooks(t).Validate(context.Background(), a)
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `admission webhook "se.kite.test" does not support dry run`) {
		t.Fatalf("a dry run to a webhook with side effects: want 400, got %v", err)
	}
	if n := len(ws.reviews()); n != 0 {
		t.Fatalf("the webhook was called %d times on a dry run", n)
	}
	// The webhook configurations themselves never reach a webhook.
	c.validating = []admissionregistrationv1.ValidatingWebhookConfiguration{validating("all", ws.url("/deny"), []admissionregistrationv1.RuleWithOperations{{
		Operations: allOps, Rule: admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*/*"}}}})}
	cfg := &registry.Resource{Group: admissionregistrationv1.GroupName, Version: "v1", Resource: "validatingwebhookconfigurations", Kind: "ValidatingWebhookConfiguration"}
	if err := c.webhooks(t).Validate(context.Background(), &registry.Attributes{Operation: admissionregistrationv1.Delete, Resource: cfg, Name: "all", OldObject: &c.validating[0]}); err != nil {
		t.Fatalf("deleting a webhook configuration went to a webhook: %v", err)
	}
}

func TestCheckMatchConditions(t *testing.T) {
	check, err := CheckMatchConditions()
	if err != nil {
		t.Fatal(err)
	}
	good := mutating("m", admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1/x")}, nil)
	good.Webhooks[0].MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "ok", Expression: "object.metadata.namespace == 'production'"}}
	if err := check(&good); err != nil {
		t.Fatalf("a valid condition was refused: %v", err)
	}
	bad := good.DeepCopy()
	bad.Webhooks[0].MatchConditions = append(bad.Webhooks[0].MatchConditions, admissionregistrationv1.MatchCondition{Name: "bad", Expression: "... [] bad expression"})
	err = check(bad)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "webhooks[0].matchConditions[1].expression") || !strings.Contains(err.Error(), "compilation failed") {
		t.Fatalf("want a 422 compilation failed at the condition, got %v", err)
	}
}

func TestServiceResolver(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kite-webhook", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https", Port: 8443}}}}
	slices := []discoveryv1.EndpointSlice{{
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("other"), Port: ptr.To[int32](1)}, {Name: ptr.To("https"), Port: ptr.To[int32](9443)}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.42.0.9"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(false)}},
			{Addresses: []string{"10.42.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}},
		},
	}}
	r := ServiceResolver{
		Service: func(_ context.Context, ns, name string) (*corev1.Service, error) {
			if ns != "default" || name != "kite-webhook" {
				return nil, apierrors.NewNotFound(corev1.Resource("services"), name)
			}
			return svc, nil
		},
		EndpointSlices: func(context.Context, string, string) ([]discoveryv1.EndpointSlice, error) { return slices, nil },
	}
	if got, err := r.Resolve(context.Background(), "default", "kite-webhook", 8443); err != nil || got != "10.42.0.7:9443" {
		t.Fatalf("Resolve = %q, %v; want the ready endpoint's 10.42.0.7:9443", got, err)
	}
	if _, err := r.Resolve(context.Background(), "default", "kite-webhook", 443); err == nil {
		t.Fatal("a port the Service does not have resolved")
	}
	slices[0].Endpoints = slices[0].Endpoints[:1]
	if _, err := r.Resolve(context.Background(), "default", "kite-webhook", 8443); err == nil || !strings.Contains(err.Error(), "no endpoints available") {
		t.Fatalf("no ready endpoint: want an error, got %v", err)
	}
}

func TestWebhookThroughService(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/deny": denyWith("by service")})
	var resolved []string
	c := &configs{
		validating: []admissionregistrationv1.ValidatingWebhookConfiguration{validating("svc", admissionregistrationv1.WebhookClientConfig{
			Service:  &admissionregistrationv1.ServiceReference{Namespace: "default", Name: "kite-webhook", Path: ptr.To("/deny"), Port: ptr.To[int32](8443)},
			CABundle: ws.ca,
		}, rule(allOps, "", "configmaps"))},
		resolve: func(_ context.Context, ns, name string, p int32) (string, error) {
			resolved = append(resolved, ns+"/"+name)
			if p != 8443 {
				t.Errorf("resolved port %d, want the service port 8443", p)
			}
			return ws.srv.Listener.Addr().String(), nil
		},
	}
	err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil))
	if err == nil || !strings.Contains(err.Error(), "by service") {
		t.Fatalf("want the webhook's denial through the service (TLS verified for kite-webhook.default.svc), got %v", err)
	}
	if len(resolved) != 1 || resolved[0] != "default/kite-webhook" {
		t.Fatalf("resolved %v", resolved)
	}
}

func TestWebhookReviewVersions(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/deny": denyWith("old review")})
	v := validating("beta", ws.url("/deny"), rule(allOps, "", "configmaps"))
	v.Webhooks[0].AdmissionReviewVersions = []string{"v2", "v1beta1"}
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{v}}
	if err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil)); err == nil || !strings.Contains(err.Error(), "old review") {
		t.Fatalf("want the v1beta1 webhook's refusal, got %v", err)
	}
	if got := ws.reviews()[0].APIVersion; got != "admission.k8s.io/v1beta1" {
		t.Fatalf("review sent as %q, want the first version Kite speaks of the webhook's list", got)
	}
	// No version Kite speaks: the webhook cannot be called (failurePolicy Fail).
	c.validating[0].Webhooks[0].AdmissionReviewVersions = []string{"v2"}
	if err := c.webhooks(t).Validate(context.Background(), cmCreate("x", nil)); !apierrors.IsInternalError(err) {
		t.Fatalf("want 500, got %v", err)
	}
}
