package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/storage"
	"kite/storage/memory"
)

// withScale serves the test deployments' scale through registry.ScaleAction.
func withScale(t testing.TB) func(*RESTConfig) {
	return func(cfg *RESTConfig) {
		for _, s := range cfg.Stores {
			if s.Resource().Resource != "deployments" {
				continue
			}
			a, err := registry.ScaleAction(registry.ScaleConfig{
				Store: s,
				Replicas: func(obj runtime.Object) (int32, int32, string, error) {
					d := obj.(*appsv1.Deployment)
					return ptr.Deref(d.Spec.Replicas, 0), d.Status.Replicas, "app=x", nil
				},
				SetReplicas: func(obj runtime.Object, n int32) { obj.(*appsv1.Deployment).Spec.Replicas = &n },
			})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Actions = append(cfg.Actions, a)
		}
	}
}

func (hs *harness) createDeployment(name string, replicas int32) {
	hs.t.Helper()
	body := fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q},"spec":{"replicas":%d}}`, name, replicas)
	if r := hs.do("POST", "/apis/apps/v1/namespaces/default/deployments", []byte(body)); r.code != http.StatusCreated {
		hs.t.Fatalf("create deployment: %d %s", r.code, r.body)
	}
}

func (hs *harness) deploymentReplicas(name string) int32 {
	hs.t.Helper()
	r := hs.do("GET", "/apis/apps/v1/namespaces/default/deployments/"+name, nil)
	var d appsv1.Deployment
	r.into(hs.t, &d)
	return ptr.Deref(d.Spec.Replicas, -1)
}

func TestScaleGetUpdatePatch(t *testing.T) {
	hs := newHarness(t, withScale(t))
	hs.createDeployment("d", 2)
	const path = "/apis/apps/v1/namespaces/default/deployments/d/scale"

	r := hs.do("GET", path, nil)
	var sc autoscalingv1.Scale
	r.into(t, &sc)
	if r.code != 200 || sc.APIVersion != "autoscaling/v1" || sc.Kind != "Scale" || sc.Spec.Replicas != 2 || sc.Status.Selector != "app=x" || sc.Namespace != "default" {
		t.Fatalf("get scale: %d %s", r.code, r.body)
	}

	// PUT with the current resourceVersion, no namespace in the body (the URL's).
	body := fmt.Sprintf(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d","resourceVersion":%q},"spec":{"replicas":3}}`, sc.ResourceVersion)
	r = hs.do("PUT", path, []byte(body))
	var updated autoscalingv1.Scale
	r.into(t, &updated)
	if r.code != 200 || updated.Spec.Replicas != 3 || updated.ResourceVersion == sc.ResourceVersion {
		t.Fatalf("put scale: %d %s", r.code, r.body)
	}
	if n := hs.deploymentReplicas("d"); n != 3 {
		t.Fatalf("deployment replicas after put = %d, want 3", n)
	}

	// The same resourceVersion again is stale now.
	hs.do("PUT", path, []byte(body)).wantStatus(t, 409, metav1.StatusReasonConflict, `Operation cannot be fulfilled on deployments.apps "d"`)

	// Negative replicas: 422 about the Scale.
	st := hs.do("PUT", path, []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d"},"spec":{"replicas":-1}}`)).
		wantStatus(t, 422, metav1.StatusReasonInvalid, `Scale.autoscaling "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`)
	if st.Details == nil || st.Details.Kind != "Scale" || st.Details.Group != "autoscaling" {
		t.Errorf("details = %+v", st.Details)
	}

	// Another name in the body than in the URL.
	hs.do("PUT", path, []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"e"},"spec":{"replicas":1}}`)).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "does not match the name on the URL")

	// A body of the wrong kind.
	hs.do("PUT", path, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}`)).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "cannot be handled as a Scale")

	// Merge patch and a dry run that changes nothing.
	r = hs.do("PATCH", path, []byte(`{"spec":{"replicas":5}}`), "Content-Type", "application/merge-patch+json")
	if r.code != 200 || hs.deploymentReplicas("d") != 5 {
		t.Fatalf("merge patch: %d %s", r.code, r.body)
	}
	r = hs.do("PATCH", path+"?dryRun=All", []byte(`[{"op":"replace","path":"/spec/replicas","value":7}]`), "Content-Type", "application/json-patch+json")
	r.into(t, &updated)
	if r.code != 200 || updated.Spec.Replicas != 7 || hs.deploymentReplicas("d") != 5 {
		t.Fatalf("dry-run patch: %d %s (stored %d)", r.code, r.body, hs.deploymentReplicas("d"))
	}

	// Unknown fields: a warning by default, refused with Strict.
	r = hs.do("PATCH", path, []byte(`{"spec":{"replicas":4,"bogus":1}}`), "Content-Type", "application/merge-patch+json")
	if r.code != 200 || !strings.Contains(r.header.Get("Warning"), `spec.bogus`) {
		t.Fatalf("warn: %d %q %s", r.code, r.header.Get("Warning"), r.body)
	}
	hs.do("PUT", path+"?fieldValidation=Strict", []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d"},"spec":{"replicas":1,"bogus":1}}`)).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, `unknown field "spec.bogus"`)

	// Missing parent, and verbs scale does not have.
	hs.do("GET", "/apis/apps/v1/namespaces/default/deployments/nope/scale", nil).
		wantStatus(t, 404, metav1.StatusReasonNotFound, `deployments.apps "nope" not found`)
	hs.do("POST", path, []byte(`{}`)).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
	hs.do("DELETE", path, nil).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
}

func TestScaleEncodings(t *testing.T) {
	hs := newHarness(t, withScale(t))
	hs.createDeployment("d", 1)
	const path = "/apis/apps/v1/namespaces/default/deployments/d/scale"

	r := hs.do("GET", path, nil, "Accept", "application/vnd.kubernetes.protobuf")
	if r.code != 200 || r.header.Get("Content-Type") != "application/vnd.kubernetes.protobuf" {
		t.Fatalf("protobuf get: %d %s", r.code, r.header.Get("Content-Type"))
	}
	obj, gvk, err := hs.codecs.UniversalDeserializer().Decode(r.body, nil, nil)
	if err != nil || gvk.GroupVersion().String() != "autoscaling/v1" || obj.(*autoscalingv1.Scale).Spec.Replicas != 1 {
		t.Fatalf("protobuf answer: %v %v", gvk, err)
	}

	// A YAML body, a YAML answer.
	r = hs.do("PUT", path, []byte("apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: d\nspec:\n  replicas: 6\n"),
		"Content-Type", "application/yaml", "Accept", "application/yaml")
	if r.code != 200 || r.header.Get("Content-Type") != "application/yaml" || !strings.Contains(string(r.body), "replicas: 6") {
		t.Fatalf("yaml put: %d %s", r.code, r.body)
	}

	// A protobuf body.
	pb, err := runtime.Encode(hs.codecs.EncoderForVersion(protobufSerializer(t, hs), autoscalingv1.SchemeGroupVersion),
		&autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "d"}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}})
	if err != nil {
		t.Fatal(err)
	}
	r = hs.do("PUT", path, pb, "Content-Type", "application/vnd.kubernetes.protobuf")
	if r.code != 200 || hs.deploymentReplicas("d") != 2 {
		t.Fatalf("protobuf put: %d %s", r.code, r.body)
	}

	// A client that asks for a table and also takes JSON gets the Scale.
	r = hs.do("GET", path, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	var sc autoscalingv1.Scale
	r.into(t, &sc)
	if r.code != 200 || sc.Kind != "Scale" {
		t.Fatalf("table fallback: %d %s", r.code, r.body)
	}
}

func protobufSerializer(t testing.TB, hs *harness) runtime.Serializer {
	t.Helper()
	for _, info := range hs.codecs.SupportedMediaTypes() {
		if info.MediaType == "application/vnd.kubernetes.protobuf" {
			return info.Serializer
		}
	}
	t.Fatal("no protobuf serializer")
	return nil
}

// podsResource is a pods resource with the subresources these tests serve by actions.
func podsResource() *registry.Resource {
	return &registry.Resource{Version: "v1", Resource: "pods", Kind: "Pod", SingularName: "pod", Namespaced: true,
		Subresources: []string{"binding", "eviction", "log", "proxy"},
		New:          func() runtime.Object { return &corev1.Pod{} }, NewList: func() runtime.Object { return &corev1.PodList{} },
		Strategy: noRules{}}
}

// withPods adds pods whose binding and eviction record what they were given, and
// whose log and proxy answer with what they were asked.
func withPods(t testing.TB, got *[]runtime.Object) func(*RESTConfig) {
	return func(cfg *RESTConfig) {
		st := memory.New(memory.Config{})
		t.Cleanup(func() { _ = st.Close() })
		s, err := registry.NewStore(registry.StoreConfig{Resource: podsResource(), Storage: st, Scheme: cfg.Scheme})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Stores = append(cfg.Stores, s)
		record := func(_ context.Context, ns, name string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
			*got = append(*got, obj)
			if name == "missing" {
				return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
			}
			return &metav1.Status{Status: metav1.StatusSuccess}, nil
		}
		connect := func(_ context.Context, ns, name string, req registry.ConnectRequest) (http.Handler, error) {
			if name == "unbound" {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
			}
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				fmt.Fprintf(w, "%s %s/%s path=%q container=%s", req.Method, ns, name, req.Path, req.Query.Get("container"))
			}), nil
		}
		cfg.Actions = append(cfg.Actions,
			&registry.Action{Resource: s.Resource(), Subresource: "binding", Kind: corev1.SchemeGroupVersion.WithKind("Binding"),
				New: func() runtime.Object { return &corev1.Binding{} }, Create: record},
			&registry.Action{Resource: s.Resource(), Subresource: "eviction", Kind: policyv1.SchemeGroupVersion.WithKind("Eviction"),
				Accepts: []schema.GroupVersionKind{policyv1beta1.SchemeGroupVersion.WithKind("Eviction")},
				New:     func() runtime.Object { return &policyv1.Eviction{} }, Create: record},
			&registry.Action{Resource: s.Resource(), Subresource: "log", Connect: connect, ConnectMethods: []string{"GET"}},
			&registry.Action{Resource: s.Resource(), Subresource: "proxy", Connect: connect,
				ConnectMethods: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}},
		)
	}
}

func TestCreateActions(t *testing.T) {
	var got []runtime.Object
	hs := newHarness(t, withPods(t, &got))

	r := hs.do("POST", "/api/v1/namespaces/default/pods/p/binding",
		[]byte(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`))
	st := r.status(t)
	if r.code != 201 || st.Status != metav1.StatusSuccess || st.Code != 201 {
		t.Fatalf("binding: %d %s", r.code, r.body)
	}
	b, ok := got[0].(*corev1.Binding)
	if !ok || b.Target.Name != "n1" || b.Namespace != "default" {
		t.Fatalf("the action got %#v", got[0])
	}

	// Eviction in policy/v1 and v1beta1, each given in its own type.
	for _, gv := range []string{"policy/v1", "policy/v1beta1"} {
		r = hs.do("POST", "/api/v1/namespaces/default/pods/p/eviction",
			[]byte(`{"apiVersion":"`+gv+`","kind":"Eviction","metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":0}}`))
		if r.code != 201 {
			t.Fatalf("eviction %s: %d %s", gv, r.code, r.body)
		}
	}
	if _, ok := got[1].(*policyv1.Eviction); !ok {
		t.Errorf("policy/v1 eviction arrived as %T", got[1])
	}
	if e, ok := got[2].(*policyv1beta1.Eviction); !ok || e.DeleteOptions == nil || *e.DeleteOptions.GracePeriodSeconds != 0 {
		t.Errorf("policy/v1beta1 eviction arrived as %#v", got[2])
	}

	// The namespace in the body must be the URL's; errors of the action are answered.
	hs.do("POST", "/api/v1/namespaces/default/pods/p/binding",
		[]byte(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p","namespace":"other"},"target":{"name":"n1"}}`)).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "does not match the namespace sent on the request")
	hs.do("POST", "/api/v1/namespaces/default/pods/missing/binding",
		[]byte(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"missing"},"target":{"name":"n1"}}`)).
		wantStatus(t, 404, metav1.StatusReasonNotFound, `pods "missing" not found`)
	hs.do("POST", "/api/v1/namespaces/default/pods/p/binding?dryRun=Bogus", []byte(`{}`)).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "dryRun")
	hs.do("GET", "/api/v1/namespaces/default/pods/p/binding", nil).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
	hs.do("POST", "/api/v1/namespaces/default/pods/p/eviction",
		[]byte(`{"apiVersion":"policy/v1beta2","kind":"Eviction","metadata":{"name":"p"}}`)).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "")
}

func TestConnectActions(t *testing.T) {
	var got []runtime.Object
	hs := newHarness(t, withPods(t, &got))
	for _, c := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/api/v1/namespaces/default/pods/p/log?container=c", 200, `GET default/p path="" container=c`},
		{"GET", "/api/v1/namespaces/default/pods/p/proxy", 200, `GET default/p path=""`},
		{"POST", "/api/v1/namespaces/default/pods/p/proxy/a/b/", 200, `POST default/p path="a/b/"`},
		{"GET", "/api/v1/namespaces/proxy/pods/proxy/proxy/x", 200, `GET proxy/proxy path="x"`},
		{"GET", "/api/v1/namespaces/default/pods/unbound/log", 400, "pod unbound does not have a host assigned"},
		{"POST", "/api/v1/namespaces/default/pods/p/log", 405, ""},
		{"GET", "/api/v1/namespaces/default/pods/p/log/x", 404, ""},
	} {
		r := hs.do(c.method, c.path, nil)
		if r.code != c.code || !strings.Contains(string(r.body), c.body) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, r.code, r.body, c.code, c.body)
		}
	}
}

// withReviews serves a create-only review and a read-only computed resource.
func withReviews(t testing.TB) func(*RESTConfig) {
	return func(cfg *RESTConfig) {
		review, err := registry.NewVirtual(&registry.Virtual{
			Resource: &registry.Resource{Group: "authentication.k8s.io", Version: "v1", Resource: "selfsubjectreviews",
				Kind: "SelfSubjectReview", SingularName: "selfsubjectreview",
				New: func() runtime.Object { return &authenticationv1.SelfSubjectReview{} }},
			Create: func(_ context.Context, _ string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
				r := obj.(*authenticationv1.SelfSubjectReview)
				r.Status.UserInfo.Username = "tester"
				return r, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		computed, err := registry.NewVirtual(&registry.Virtual{
			Resource: &registry.Resource{Version: "v1", Resource: "componentstatuses", Kind: "ComponentStatus", SingularName: "componentstatus",
				New: func() runtime.Object { return &corev1.ComponentStatus{} }, NewList: func() runtime.Object { return &corev1.ComponentStatusList{} }},
			Warnings: []string{"v1 ComponentStatus is deprecated in v1.19+"},
			Get: func(_ context.Context, _, name string, _ metav1.GetOptions) (runtime.Object, error) {
				if name != "etcd-0" {
					return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "componentstatuses"}, name)
				}
				return &corev1.ComponentStatus{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil
			},
			List: func(context.Context, string, metav1.ListOptions) (runtime.Object, error) {
				return &corev1.ComponentStatusList{Items: []corev1.ComponentStatus{{ObjectMeta: metav1.ObjectMeta{Name: "etcd-0"}}}}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Virtuals = append(cfg.Virtuals, review, computed)
	}
}

func TestVirtualResources(t *testing.T) {
	hs := newHarness(t, withReviews(t))
	const reviews = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
	r := hs.do("POST", reviews, []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`))
	var rev authenticationv1.SelfSubjectReview
	r.into(t, &rev)
	if r.code != 201 || rev.Kind != "SelfSubjectReview" || rev.Status.UserInfo.Username != "tester" {
		t.Fatalf("review: %d %s", r.code, r.body)
	}
	r = hs.do("POST", reviews, []byte("apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n"),
		"Content-Type", "application/yaml", "Accept", "application/vnd.kubernetes.protobuf")
	if r.code != 201 || r.header.Get("Content-Type") != "application/vnd.kubernetes.protobuf" {
		t.Fatalf("review in yaml, answer in protobuf: %d %s", r.code, r.header.Get("Content-Type"))
	}
	if r := hs.do("POST", reviews, []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","bogus":1}`)); r.code != 201 || r.header.Get("Warning") == "" {
		t.Errorf("warn: %d %q %s", r.code, r.header.Get("Warning"), r.body)
	}
	if r := hs.do("POST", reviews+"?fieldValidation=Strict", []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","bogus":1}`)); r.code != 400 {
		t.Errorf("strict: %d %s", r.code, r.body)
	}
	// A review has no table (upstream's conformance asks for one and wants 406).
	hs.do("POST", reviews, []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`),
		"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").wantStatus(t, 406, metav1.StatusReasonNotAcceptable, "")
	hs.do("GET", reviews, nil).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
	hs.do("GET", reviews+"/x", nil).wantStatus(t, 404, metav1.StatusReasonNotFound, "")
	hs.do("DELETE", reviews, nil).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")

	// Nothing was stored.
	kvs, err := hs.storage.List(context.Background(), storage.ListOptions{Prefix: "/registry/"})
	if err != nil || len(kvs.Items) != 0 {
		t.Errorf("stored reviews: %v %v", kvs, err)
	}

	const cs = "/api/v1/componentstatuses"
	r = hs.do("GET", cs, nil)
	var list corev1.ComponentStatusList
	r.into(t, &list)
	if r.code != 200 || len(list.Items) != 1 || list.Kind != "ComponentStatusList" || !strings.Contains(r.header.Get("Warning"), "v1 ComponentStatus is deprecated in v1.19+") {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	r = hs.do("GET", cs+"/etcd-0", nil)
	if r.code != 200 || !strings.Contains(string(r.body), `"kind":"ComponentStatus"`) {
		t.Fatalf("get: %d %s", r.code, r.body)
	}
	hs.do("GET", cs+"/nope", nil).wantStatus(t, 404, metav1.StatusReasonNotFound, `componentstatuses "nope" not found`)
	hs.do("GET", cs+"?watch=true", nil).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "watch is not supported")
	hs.do("POST", cs, []byte(`{}`)).wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
	// The default table: Name and Created At.
	r = hs.do("GET", cs, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	if r.code != 200 || !strings.Contains(string(r.body), `"kind":"Table"`) {
		t.Fatalf("table: %d %s", r.code, r.body)
	}
}

func TestActionChecks(t *testing.T) {
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*registry.Action{
		"not a listed subresource": {Resource: podsResource(), Subresource: "exec", Connect: func(context.Context, string, string, registry.ConnectRequest) (http.Handler, error) { return nil, nil }, ConnectMethods: []string{"GET"}},
		"no verbs":                 {Resource: podsResource(), Subresource: "binding", Kind: corev1.SchemeGroupVersion.WithKind("Binding"), New: func() runtime.Object { return &corev1.Binding{} }},
		"parent not served": {Resource: podsResource(), Subresource: "binding", Kind: corev1.SchemeGroupVersion.WithKind("Binding"),
			New: func() runtime.Object { return &corev1.Binding{} }, Create: func(context.Context, string, string, runtime.Object, metav1.CreateOptions) (runtime.Object, error) {
				return nil, nil
			}},
	} {
		if _, err := NewREST(RESTConfig{Scheme: scheme, Actions: []*registry.Action{a}}); err == nil {
			t.Errorf("%s: NewREST accepted it", name)
		}
	}
	if _, err := registry.NewVirtual(&registry.Virtual{Resource: podsResource()}); err == nil {
		t.Error("a virtual resource with no verb was accepted")
	}
}
