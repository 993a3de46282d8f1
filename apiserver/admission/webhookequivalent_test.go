package admission

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/horizontalpodautoscaler"
)

// hpaEquivalents is what the server says of horizontalpodautoscalers: v1 and v2 keep
// the same objects.
func hpaEquivalents(_ context.Context, r *registry.Resource) ([]*registry.Resource, error) {
	if r.GroupResource() != (schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}) {
		return nil, nil
	}
	return []*registry.Resource{horizontalpodautoscaler.Resource(), horizontalpodautoscaler.ResourceV1()}, nil
}

// testEquivalents knows the horizontalpodautoscalers and the two versions of crontabs.
func testEquivalents(ctx context.Context, r *registry.Resource) ([]*registry.Resource, error) {
	if r.Group == "stable.example.com" {
		return crontabVersions(), nil
	}
	return hpaEquivalents(ctx, r)
}

func hpaV2Create() *registry.Attributes {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 5,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: "cpu", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70)},
			}}},
		},
	}
	return &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: horizontalpodautoscaler.Resource(),
		Namespace: "team", Name: "web", Object: hpa, Options: &metav1.CreateOptions{}}
}

func hpaV1Create() *registry.Attributes {
	hpa := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5, TargetCPUUtilizationPercentage: ptr.To[int32](70),
		},
	}
	return &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: horizontalpodautoscaler.ResourceV1(),
		Namespace: "team", Name: "web", Object: hpa, Options: &metav1.CreateOptions{}}
}

// equivalentHooks makes Webhooks over c that know testEquivalents.
func equivalentHooks(t *testing.T, c *configs, custom CustomConverter) *Webhooks {
	t.Helper()
	w := c.webhooks(t)
	w.conv = versioner{equivalents: testEquivalents, custom: custom}
	return w
}

func withMatchPolicy[T admissionregistrationv1.ValidatingWebhookConfiguration | admissionregistrationv1.MutatingWebhookConfiguration](c T, p admissionregistrationv1.MatchPolicyType) T {
	switch x := any(&c).(type) {
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		x.Webhooks[0].MatchPolicy = &p
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		x.Webhooks[0].MatchPolicy = &p
	}
	return c
}

func hpaRule(version string, resources ...string) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{{Operations: allOps,
		Rule: admissionregistrationv1.Rule{APIGroups: []string{"autoscaling"}, APIVersions: []string{version}, Resources: resources}}}
}

// A webhook registered for autoscaling/v1 sees an autoscaling/v2 create as a v1
// object, under the v1 kind and resource, with the request as made beside them.
func TestEquivalentWebhookSeesItsVersion(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/v": allow})
	c := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{
		withMatchPolicy(validating("hpa-v1", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent),
	}}
	if err := equivalentHooks(t, c, nil).Validate(context.Background(), hpaV2Create()); err != nil {
		t.Fatal(err)
	}
	got := ws.reviews()
	if len(got) != 1 {
		t.Fatalf("%d calls, want 1", len(got))
	}
	req := got[0].Request
	if req.Kind != (metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler"}) ||
		req.Resource != (metav1.GroupVersionResource{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers"}) {
		t.Errorf("kind %v, resource %v: want the v1 ones", req.Kind, req.Resource)
	}
	if *req.RequestKind != (metav1.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}) ||
		*req.RequestResource != (metav1.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}) {
		t.Errorf("requestKind %v, requestResource %v: want the v2 ones", req.RequestKind, req.RequestResource)
	}
	var v1 autoscalingv1.HorizontalPodAutoscaler
	if err := json.Unmarshal(req.Object.Raw, &v1); err != nil {
		t.Fatal(err)
	}
	if v1.APIVersion != "autoscaling/v1" || v1.Spec.MaxReplicas != 5 || v1.Spec.TargetCPUUtilizationPercentage == nil || *v1.Spec.TargetCPUUtilizationPercentage != 70 {
		t.Errorf("object %s, want a v1 object with targetCPUUtilizationPercentage 70", req.Object.Raw)
	}
}

func TestEquivalentWebhookMatching(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/v": allow})
	for _, c := range []struct {
		name     string
		hook     admissionregistrationv1.ValidatingWebhookConfiguration
		a        *registry.Attributes
		wantKind string // the version the webhook sees; "" for no call
	}{
		{"exact policy", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Exact), hpaV2Create(), ""},
		{"exact match wins", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("*", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent), hpaV2Create(), "v2"},
		{"subresource", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers/status")), admissionregistrationv1.Equivalent),
			func() *registry.Attributes { a := hpaV2Create(); a.Subresource = "status"; return a }(), "v1"},
		{"not the subresource", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent),
			func() *registry.Attributes { a := hpaV2Create(); a.Subresource = "status"; return a }(), ""},
		{"v1 seen as v2", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v2", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent), hpaV1Create(), "v2"},
		{"another resource", withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent), cmCreate("cm", nil), ""},
	} {
		before := len(ws.reviews())
		cfg := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{c.hook}}
		if err := equivalentHooks(t, cfg, nil).Validate(context.Background(), c.a); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ws.reviews()[before:]
		switch {
		case c.wantKind == "" && len(got) != 0:
			t.Errorf("%s: called as %v, want no call", c.name, got[0].Request.Kind)
		case c.wantKind != "" && len(got) != 1:
			t.Errorf("%s: %d calls, want 1", c.name, len(got))
		case c.wantKind != "" && got[0].Request.Kind.Version != c.wantKind:
			t.Errorf("%s: seen as %v, want version %s", c.name, got[0].Request.Kind, c.wantKind)
		case c.wantKind != "" && got[0].Request.SubResource != c.a.Subresource:
			t.Errorf("%s: subResource %q, want %q", c.name, got[0].Request.SubResource, c.a.Subresource)
		case c.wantKind != "" && !strings.Contains(string(got[0].Request.Object.Raw), `"apiVersion":"autoscaling/`+c.wantKind+`"`):
			t.Errorf("%s: object %s, want it in autoscaling/%s", c.name, got[0].Request.Object.Raw, c.wantKind)
		}
	}
}

// A match condition sees the request as the webhook would.
func TestEquivalentWebhookMatchConditions(t *testing.T) {
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/v": denyWith("no")})
	hook := withMatchPolicy(validating("x", ws.url("/v"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent)
	hook.Webhooks[0].MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "v1-view",
		Expression: "request.kind.version == 'v1' && request.requestKind.version == 'v2' && object.spec.targetCPUUtilizationPercentage == 70"}}
	cfg := &configs{validating: []admissionregistrationv1.ValidatingWebhookConfiguration{hook}}
	if err := equivalentHooks(t, cfg, nil).Validate(context.Background(), hpaV2Create()); err == nil {
		t.Fatal("the match condition did not hold: the webhook was not called")
	}
}

// A mutating webhook's patch applies to the object it saw, converted back to the
// version requested.
func TestEquivalentMutatingWebhook(t *testing.T) {
	pt := admissionv1.PatchTypeJSONPatch
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/m": func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt,
			Patch: []byte(`[{"op":"replace","path":"/spec/maxReplicas","value":9},{"op":"replace","path":"/spec/targetCPUUtilizationPercentage","value":50}]`)}
	}})
	cfg := &configs{mutating: []admissionregistrationv1.MutatingWebhookConfiguration{
		withMatchPolicy(mutating("hpa-v1", ws.url("/m"), hpaRule("v1", "horizontalpodautoscalers")), admissionregistrationv1.Equivalent),
	}}
	a := hpaV2Create()
	obj := a.Object
	if err := equivalentHooks(t, cfg, nil).Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	hpa, ok := a.Object.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok || a.Object != obj || !a.Mutated {
		t.Fatalf("object %T (same %v, mutated %v), want the v2 object changed in place", a.Object, a.Object == obj, a.Mutated)
	}
	if hpa.Spec.MaxReplicas != 9 || len(hpa.Spec.Metrics) != 1 || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 50 || hpa.Name != "web" {
		t.Errorf("patched object %+v, want maxReplicas 9 and cpu utilization 50", hpa.Spec)
	}
}

// crontabVersions are the two served versions of a custom resource.
func crontabVersions() []*registry.Resource {
	r := func(v string) *registry.Resource {
		return &registry.Resource{Group: "stable.example.com", Version: v, Resource: "crontabs", Kind: "CronTab", Namespaced: true, Subresources: []string{"status"}}
	}
	return []*registry.Resource{r("v1"), r("v2")}
}

// Custom resources: the object goes to the webhook in the version its rule names, as
// the definition converts it, and a patch comes back in the version requested.
func TestEquivalentCustomResource(t *testing.T) {
	pt := admissionv1.PatchTypeJSONPatch
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{"/m": func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		return &admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: []byte(`[{"op":"add","path":"/spec/seenBy","value":"v1-hook"}]`)}
	}})
	hook := withMatchPolicy(mutating("ct", ws.url("/m"), []admissionregistrationv1.RuleWithOperations{{Operations: allOps,
		Rule: admissionregistrationv1.Rule{APIGroups: []string{"stable.example.com"}, APIVersions: []string{"v1"}, Resources: []string{"crontabs"}}}}), admissionregistrationv1.Equivalent)
	cfg := &configs{mutating: []admissionregistrationv1.MutatingWebhookConfiguration{hook}}
	// The definition's conversion renames spec.schedule (v2) to spec.cronSpec (v1).
	var conversions []string
	convert := func(_ context.Context, u *unstructured.Unstructured, gv schema.GroupVersion) error {
		conversions = append(conversions, u.GetAPIVersion()+">"+gv.String())
		spec, _ := u.Object["spec"].(map[string]any)
		switch gv.Version {
		case "v1":
			spec["cronSpec"] = spec["schedule"]
			delete(spec, "schedule")
		case "v2":
			spec["schedule"] = spec["cronSpec"]
			delete(spec, "cronSpec")
		}
		u.SetAPIVersion(gv.String())
		return nil
	}
	v2 := crontabVersions()[1]
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "stable.example.com/v2", "kind": "CronTab",
		"metadata": map[string]any{"name": "c", "namespace": "team"}, "spec": map[string]any{"schedule": "* * * * *"}}}
	a := &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: v2, Namespace: "team", Name: "c", Object: u, Options: &metav1.CreateOptions{}}
	if err := equivalentHooks(t, cfg, convert).Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := ws.reviews()
	if len(got) != 1 {
		t.Fatalf("%d calls, want 1", len(got))
	}
	var seen map[string]any
	if err := json.Unmarshal(got[0].Request.Object.Raw, &seen); err != nil {
		t.Fatal(err)
	}
	if seen["apiVersion"] != "stable.example.com/v1" || seen["spec"].(map[string]any)["cronSpec"] != "* * * * *" || got[0].Request.RequestKind.Version != "v2" {
		t.Errorf("webhook saw %s (requestKind %v), want the v1 form", got[0].Request.Object.Raw, got[0].Request.RequestKind)
	}
	spec := u.Object["spec"].(map[string]any)
	if u.GetAPIVersion() != "stable.example.com/v2" || spec["schedule"] != "* * * * *" || spec["seenBy"] != "v1-hook" || spec["cronSpec"] != nil {
		t.Errorf("object after the patch %v, want the v2 form with seenBy", u.Object)
	}
	if len(conversions) != 2 || conversions[0] != "stable.example.com/v2>stable.example.com/v1" || conversions[1] != "stable.example.com/v1>stable.example.com/v2" {
		t.Errorf("conversions %v, want v2 to v1 and back", conversions)
	}

	// Without a converter only apiVersion changes (strategy None).
	u = &unstructured.Unstructured{Object: map[string]any{"apiVersion": "stable.example.com/v2", "kind": "CronTab",
		"metadata": map[string]any{"name": "c", "namespace": "team"}, "spec": map[string]any{"schedule": "x"}}}
	a = &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: v2, Namespace: "team", Name: "c", Object: u, Options: &metav1.CreateOptions{}}
	if err := equivalentHooks(t, cfg, nil).Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got = ws.reviews()
	if err := json.Unmarshal(got[len(got)-1].Request.Object.Raw, &seen); err != nil {
		t.Fatal(err)
	}
	if seen["apiVersion"] != "stable.example.com/v1" || seen["spec"].(map[string]any)["schedule"] != "x" {
		t.Errorf("webhook saw %v, want the same object as v1", seen)
	}
	if u.GetAPIVersion() != "stable.example.com/v2" || u.Object["spec"].(map[string]any)["seenBy"] != "v1-hook" {
		t.Errorf("object after the patch %v", u.Object)
	}
}
