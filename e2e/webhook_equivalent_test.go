package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// Webhooks with matchPolicy Equivalent (the default) through the real binary: a webhook
// whose rules name one version of a resource also sees requests made through another
// version of it, with the object converted to the version it named.

// seenReviews keeps the admission requests a test webhook received, by path.
type seenReviews struct {
	mu     sync.Mutex
	byPath map[string][]*admissionv1.AdmissionRequest
}

func (s *seenReviews) add(path string, r *admissionv1.AdmissionRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byPath[path] = append(s.byPath[path], r)
}

// last returns the last request path received for an object called name, nil if none.
func (s *seenReviews) last(path, name string) *admissionv1.AdmissionRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.byPath[path]
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Name == name {
			return reqs[i]
		}
	}
	return nil
}

func (s *seenReviews) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byPath[path])
}

// equivalentAnswer: /record allows; /max-replicas-7 sets spec.maxReplicas of the
// (v1) HPA it sees; /note-v1 adds spec.seenBy to the custom resource it sees;
// /deny-all refuses.
func equivalentAnswer(seen *seenReviews) func(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	return func(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		seen.add(path, r)
		pt := admissionv1.PatchTypeJSONPatch
		switch path {
		case "/max-replicas-7":
			return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: []byte(`[{"op":"replace","path":"/spec/maxReplicas","value":7}]`)}
		case "/note-v1":
			return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt,
				Patch: []byte(`[{"op":"add","path":"/spec/seenBy","value":"` + r.Kind.Version + `-webhook"}]`)}
		case "/deny-all":
			return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: "this webhook denies all requests"}}
		}
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
}

const kiteHPAv2 = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: NAME, namespace: kite-equivalent}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
`

const kiteEquivalentCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kitegadgets.equivalent.kite.dev}
spec:
  group: equivalent.kite.dev
  scope: Namespaced
  names: {plural: kitegadgets, singular: kitegadget, kind: KiteGadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              seenBy: {type: string}
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              seenBy: {type: string}
`

func TestAdmissionWebhookEquivalentVersions(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	bin := newest(t)
	ctx := context.Background()
	seen := &seenReviews{byPath: map[string][]*admissionv1.AdmissionRequest{}}
	wh := startKiteWebhook(t, equivalentAnswer(seen))
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kite-equivalent"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteEquivalentCRD))
	kubectl(t, bin, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitegadgets.equivalent.kite.dev")

	v1Rule := func(group, resource string) []admissionregistrationv1.RuleWithOperations {
		return []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: []string{resource}}}}
	}
	hook := func(name, path string, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
		// No matchPolicy: the server defaults it to Equivalent, as upstream.
		return admissionregistrationv1.ValidatingWebhook{Name: name, ClientConfig: wh.byURL(path), Rules: rules,
			SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}}
	}
	exact := hook("exact.kite.test", "/deny-all", v1Rule("autoscaling", "horizontalpodautoscalers"))
	exact.MatchPolicy = ptr.To(admissionregistrationv1.Exact)
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-equivalent"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{hook("record.kite.test", "/record", v1Rule("autoscaling", "horizontalpodautoscalers")), exact},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mutating := func(name, path string, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.MutatingWebhook {
		return admissionregistrationv1.MutatingWebhook{Name: name, ClientConfig: wh.byURL(path), Rules: rules,
			SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}}
	}
	if _, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-equivalent"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{
			mutating("max-replicas.kite.test", "/max-replicas-7", v1Rule("autoscaling", "horizontalpodautoscalers")),
			mutating("note.kite.test", "/note-v1", v1Rule("equivalent.kite.dev", "kitegadgets")),
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// An autoscaling/v2 create, through kubectl, reaches the v1 webhooks (once they
	// are in effect, within moments) but not the one that asked for exact matches.
	n := 0
	eventually(t, 30*time.Second, func() string {
		n++
		name := fmt.Sprintf("kite-hpa-%d", n)
		kubectl(t, bin, kc, "apply", "-f", writeFile(t, name+".yaml", strings.Replace(kiteHPAv2, "NAME", name, 1)))
		if seen.last("/record", name) == nil {
			return "the v1 webhook did not see the v2 create of " + name
		}
		return ""
	})
	name := fmt.Sprintf("kite-hpa-%d", n)
	if k := seen.count("/deny-all"); k != 0 {
		t.Errorf("the exact-match webhook was called %d times", k)
	}
	req := seen.last("/record", name)
	if req.Kind != (metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler"}) ||
		req.Resource != (metav1.GroupVersionResource{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers"}) {
		t.Errorf("the webhook saw kind %v resource %v, want autoscaling/v1", req.Kind, req.Resource)
	}
	if req.RequestKind == nil || req.RequestKind.Version != "v2" || req.RequestResource == nil || req.RequestResource.Version != "v2" {
		t.Errorf("requestKind %v requestResource %v, want autoscaling/v2", req.RequestKind, req.RequestResource)
	}
	var v1 struct {
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			MaxReplicas                    int  `json:"maxReplicas"`
			TargetCPUUtilizationPercentage *int `json:"targetCPUUtilizationPercentage"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(req.Object.Raw, &v1); err != nil {
		t.Fatal(err)
	}
	if v1.APIVersion != "autoscaling/v1" || v1.Spec.TargetCPUUtilizationPercentage == nil || *v1.Spec.TargetCPUUtilizationPercentage != 60 {
		t.Errorf("the webhook saw %s, want an autoscaling/v1 object with targetCPUUtilizationPercentage 60", req.Object.Raw)
	}
	// The v1 webhook's patch reached the stored object, read through v2.
	hpa, err := c.AutoscalingV2().HorizontalPodAutoscalers("kite-equivalent").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hpa.Spec.MaxReplicas != 7 || len(hpa.Spec.Metrics) != 1 || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 60 {
		t.Errorf("stored HPA spec %+v, want maxReplicas 7 and the cpu target kept", hpa.Spec)
	}

	// A custom resource created in v2 reaches the webhook registered for v1 as a v1
	// object, and its patch lands in the object.
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gadgets := dyn.Resource(schema.GroupVersionResource{Group: "equivalent.kite.dev", Version: "v2", Resource: "kitegadgets"}).Namespace("kite-equivalent")
	const gadget = `{"apiVersion":"equivalent.kite.dev/v2","kind":"KiteGadget","metadata":{"name":"kite-gadget"},"spec":{"size":3}}`
	kubectl(t, bin, kc, "-n", "kite-equivalent", "create", "-f", writeFile(t, "gadget.json", gadget))
	req = seen.last("/note-v1", "kite-gadget")
	if req == nil {
		t.Fatal("the v1 webhook did not see the v2 create of the custom resource")
	}
	var obj map[string]any
	if err := json.Unmarshal(req.Object.Raw, &obj); err != nil {
		t.Fatal(err)
	}
	if req.Kind.Version != "v1" || req.RequestKind == nil || req.RequestKind.Version != "v2" || obj["apiVersion"] != "equivalent.kite.dev/v1" {
		t.Errorf("the webhook saw %s as %v (requested as %v), want the v1 form", req.Object.Raw, req.Kind, req.RequestKind)
	}
	got, err := gadgets.Get(ctx, "kite-gadget", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetAPIVersion() != "equivalent.kite.dev/v2" || got.Object["spec"].(map[string]any)["seenBy"] != "v1-webhook" {
		t.Errorf("stored gadget %v, want spec.seenBy v1-webhook", got.Object)
	}
}

const kiteEquivalentPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-hpa-v1-limit}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [autoscaling], apiVersions: [v1], operations: [CREATE], resources: [horizontalpodautoscalers]}
  validations:
  - expression: "object.spec.maxReplicas <= 5"
    messageExpression: "'at most 5 replicas; seen as ' + object.apiVersion + ' with cpu ' + string(object.spec.targetCPUUtilizationPercentage) + ', requested as ' + request.requestKind.version"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: kite-hpa-v1-limit}
spec:
  policyName: kite-hpa-v1-limit
  validationActions: [Deny]
`

// A ValidatingAdmissionPolicy over autoscaling/v1 horizontalpodautoscalers (its
// matchPolicy defaulted to Equivalent) judges a kubectl create of an autoscaling/v2
// one, as a v1 object.
func TestAdmissionPolicyEquivalentVersions(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	bin := newest(t)
	kubectl(t, bin, kc, "create", "namespace", "kite-equivalent")
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "policy.yaml", kiteEquivalentPolicy))
	if got := kubectl(t, bin, kc, "get", "validatingadmissionpolicy", "kite-hpa-v1-limit", "-o", "jsonpath={.spec.matchConstraints.matchPolicy}"); got != "Equivalent" {
		t.Fatalf("matchPolicy %q, want the default Equivalent", got)
	}
	big := strings.Replace(strings.Replace(kiteHPAv2, "NAME", "kite-big", 1), "maxReplicas: 3", "maxReplicas: 10", 1)
	const want = `at most 5 replicas; seen as autoscaling/v1 with cpu 60, requested as v2`
	eventually(t, 30*time.Second, func() string {
		out, ok := kubectlStderr(t, bin, kc, "apply", "-f", writeFile(t, "big.yaml", big))
		if ok {
			kubectl(t, bin, kc, "-n", "kite-equivalent", "delete", "hpa", "kite-big")
			return "the v2 HPA with 10 replicas was admitted"
		}
		if !strings.Contains(out, want) {
			return "kubectl said " + out
		}
		return ""
	})
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "small.yaml", strings.Replace(kiteHPAv2, "NAME", "kite-small", 1)))
}

// A custom resource whose definition converts by webhook: a create in v2 reaches the
// admission webhooks registered for v1 only, with the object as the conversion
// webhook turned it into v1; the mutating webhook's v1 patch is converted back (by the
// conversion webhook too) and lands in the stored object.
func TestAdmissionWebhookEquivalentConversionWebhook(t *testing.T) {
	conv := &hostPortConverter{}
	converter := httptest.NewTLSServer(conv)
	defer converter.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: converter.Certificate().Raw})

	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	bin := newest(t)
	ctx := context.Background()
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "crd.yaml",
		fmt.Sprintf(kiteHostPortCRD, converter.URL+"/convert", base64.StdEncoding.EncodeToString(ca))))
	kubectl(t, bin, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitehostports.e2e.kite.dev")

	seen := &seenReviews{byPath: map[string][]*admissionv1.AdmissionRequest{}}
	pt := admissionv1.PatchTypeJSONPatch
	wh := startKiteWebhook(t, func(path string, r *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		seen.add(path, r)
		if path == "/port-8443" {
			return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt,
				Patch: []byte(`[{"op":"replace","path":"/spec/hostPort","value":"kite-c:8443"}]`)}
		}
		return &admissionv1.AdmissionResponse{Allowed: true}
	})
	v1Rule := []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{"e2e.kite.dev"}, APIVersions: []string{"v1"}, Resources: []string{"kitehostports"}}}}
	none := ptr.To(admissionregistrationv1.SideEffectClassNone)
	// No matchPolicy: the server defaults it to Equivalent.
	if _, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-equivalent-conversion"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "port.kite.test", ClientConfig: wh.byURL("/port-8443"), Rules: v1Rule,
			SideEffects: none, AdmissionReviewVersions: []string{"v1"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-equivalent-conversion"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "record.kite.test", ClientConfig: wh.byURL("/record"), Rules: v1Rule,
			SideEffects: none, AdmissionReviewVersions: []string{"v1"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Creates in v2 through kubectl, until both webhooks are in effect (within moments).
	n := 0
	eventually(t, 30*time.Second, func() string {
		n++
		name := fmt.Sprintf("kite-c-%d", n)
		obj := `{"apiVersion":"e2e.kite.dev/v2","kind":"KiteHostPort","metadata":{"name":"` + name + `"},"spec":{"host":"kite-c","port":"80"}}`
		kubectl(t, bin, kc, "create", "-f", writeFile(t, name+".json", obj))
		if seen.last("/port-8443", name) == nil || seen.last("/record", name) == nil {
			return "the v1 webhooks did not both see the v2 create of " + name
		}
		return ""
	})
	name := fmt.Sprintf("kite-c-%d", n)
	hostPortOf := func(req *admissionv1.AdmissionRequest) string {
		t.Helper()
		var obj struct {
			APIVersion string         `json:"apiVersion"`
			Spec       map[string]any `json:"spec"`
		}
		if err := json.Unmarshal(req.Object.Raw, &obj); err != nil {
			t.Fatal(err)
		}
		if req.Kind.Version != "v1" || req.Resource.Version != "v1" || req.RequestKind == nil || req.RequestKind.Version != "v2" || obj.APIVersion != "e2e.kite.dev/v1" {
			t.Errorf("the webhook saw %s as kind %v resource %v (requested as %v), want the v1 form", req.Object.Raw, req.Kind, req.Resource, req.RequestKind)
		}
		hp, _ := obj.Spec["hostPort"].(string)
		return hp
	}
	// The mutating webhook sees the conversion webhook's v1 form; the validating one
	// sees it after the patch.
	if got := hostPortOf(seen.last("/port-8443", name)); got != "kite-c:80" {
		t.Errorf("the mutating webhook saw spec.hostPort %q, want kite-c:80", got)
	}
	if got := hostPortOf(seen.last("/record", name)); got != "kite-c:8443" {
		t.Errorf("the validating webhook saw spec.hostPort %q, want kite-c:8443", got)
	}
	if got := kubectl(t, bin, kc, "get", "kitehostports.v2.e2e.kite.dev", name, "-o", "jsonpath={.spec.host} {.spec.port}"); got != "kite-c 8443" {
		t.Errorf("stored object read in v2: %q, want kite-c 8443", got)
	}
	if conv.calls.Load() == 0 {
		t.Error("the conversion webhook was never called")
	}

	// A ValidatingAdmissionPolicy over v1 judges a v2 create as the conversion webhook
	// turned it into v1 (after the mutating webhook's patch).
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "policy.yaml", kiteHostPortPolicy))
	const want = `refused kite-c:8443 as e2e.kite.dev/v1, requested as v2`
	deny := `{"apiVersion":"e2e.kite.dev/v2","kind":"KiteHostPort","metadata":{"name":"kite-deny"},"spec":{"host":"kite-d","port":"1"}}`
	eventually(t, 30*time.Second, func() string {
		out, ok := kubectlStderr(t, bin, kc, "create", "-f", writeFile(t, "deny.json", deny))
		if ok {
			kubectl(t, bin, kc, "delete", "kitehostports.v2.e2e.kite.dev", "kite-deny")
			return "the policy did not refuse kite-deny"
		}
		if !strings.Contains(out, want) {
			return "kubectl said " + out
		}
		return ""
	})
}

// kiteHostPortPolicy refuses kite-deny, naming its spec.hostPort (a field of v1 only).
const kiteHostPortPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-hostport-v1}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [e2e.kite.dev], apiVersions: [v1], operations: [CREATE], resources: [kitehostports]}
  validations:
  - expression: "object.metadata.name != 'kite-deny'"
    messageExpression: "'refused ' + object.spec.hostPort + ' as ' + object.apiVersion + ', requested as ' + request.requestKind.version"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: kite-hostport-v1}
spec:
  policyName: kite-hostport-v1
  validationActions: [Deny]
`
