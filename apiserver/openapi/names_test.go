package openapi

import (
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kite/apiserver/registry"
)

func TestNames(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[corev1.ConfigMap](), "io.k8s.api.core.v1.ConfigMap"},
		{reflect.TypeFor[metav1.ObjectMeta](), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
		{reflect.TypeFor[intstr.IntOrString](), "io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
		{reflect.TypeFor[rbacv1.ClusterRole](), "io.k8s.api.rbac.v1.ClusterRole"},
	} {
		if got := definitionName(c.typ); got != c.want {
			t.Errorf("definitionName(%v) = %q, want %q", c.typ, got, c.want)
		}
	}
	for _, c := range []struct {
		gv            schema.GroupVersion
		tag, idPrefix string
	}{
		{schema.GroupVersion{Version: "v1"}, "core_v1", "CoreV1"},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, "apps_v1", "AppsV1"},
		{schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}, "rbacAuthorization_v1", "RbacAuthorizationV1"},
		{schema.GroupVersion{Group: "flowcontrol.apiserver.k8s.io", Version: "v1"}, "flowcontrolApiserver_v1", "FlowcontrolApiserverV1"},
		{schema.GroupVersion{Group: "autoscaling", Version: "v2"}, "autoscaling_v2", "AutoscalingV2"},
	} {
		if got := tag(c.gv); got != c.tag {
			t.Errorf("tag(%v) = %q, want %q", c.gv, got, c.tag)
		}
		if got := idPrefix(c.gv); got != c.idPrefix {
			t.Errorf("idPrefix(%v) = %q, want %q", c.gv, got, c.idPrefix)
		}
	}
	for kind, want := range map[string]string{"Event": "an Event", "Pod": "a Pod", "Endpoints": "Endpoints", "Ingress": "an Ingress"} {
		if got := withArticle(kind); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", kind, got, want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	forms := []form{
		{"application/json", "application/json", false},
		{protobufV2Request, protobufV2Response, true},
	}
	for _, c := range []struct {
		accept string
		want   string // the chosen form's Accept, "" for none
	}{
		{"", "application/json"},
		{"*/*", "application/json"},
		{"application/*", "application/json"},
		{protobufV2Request, protobufV2Request},
		{"APPLICATION/JSON", "application/json"},
		{"application/json;q=0.1, " + protobufV2Request + ";q=0.9", protobufV2Request},
		{protobufV2Request + ";q=0, application/json", "application/json"},
		{"text/plain", ""},
		{"application/yaml", ""},
	} {
		f, ok := negotiate(c.accept, forms)
		if got := map[bool]string{true: f.accept, false: ""}[ok]; got != c.want {
			t.Errorf("negotiate(%q) = %q, want %q", c.accept, got, c.want)
		}
	}
}

// TestPodSubresources checks the operations of the subresources the API server will
// serve next (pods) against upstream's.
func TestPodSubresources(t *testing.T) {
	pods := &registry.Resource{Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true,
		Subresources: []string{"attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy", "resize", "status"},
		New:          func() runtime.Object { return &corev1.Pod{} }, NewList: func() runtime.Object { return &corev1.PodList{} }}
	routes, err := resourceRoutes(pods)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]*operation{}
	for _, rt := range routes {
		for _, o := range rt.ops {
			ops[rt.path+" "+o.method] = o
		}
	}
	for _, c := range []struct {
		key, id, action, kind string
		params                []string
	}{
		{"/api/v1/namespaces/{namespace}/pods/{name}/exec post", "connectCoreV1PostNamespacedPodExec", "connect", "/v1/PodExecOptions",
			[]string{"command", "container", "name", "namespace", "stderr", "stdin", "stdout", "tty"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/log get", "readCoreV1NamespacedPodLog", "get", "/v1/Pod",
			[]string{"container", "follow", "insecureSkipTLSVerifyBackend", "limitBytes", "name", "namespace", "pretty", "previous", "sinceSeconds", "stream", "tailLines", "timestamps"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path} put", "connectCoreV1PutNamespacedPodProxyWithPath", "connect", "/v1/PodProxyOptions",
			[]string{"name", "namespace", "path", "path"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/eviction post", "createCoreV1NamespacedPodEviction", "post", "policy/v1/Eviction",
			[]string{"dryRun", "fieldManager", "fieldValidation", "name", "namespace", "pretty"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/binding post", "createCoreV1NamespacedPodBinding", "post", "/v1/Binding",
			[]string{"dryRun", "fieldManager", "fieldValidation", "name", "namespace", "pretty"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers patch", "patchCoreV1NamespacedPodEphemeralcontainers", "patch", "/v1/Pod",
			[]string{"dryRun", "fieldManager", "fieldValidation", "force", "name", "namespace", "pretty"}},
		{"/api/v1/namespaces/{namespace}/pods/{name}/portforward get", "connectCoreV1GetNamespacedPodPortforward", "connect", "/v1/PodPortForwardOptions",
			[]string{"name", "namespace", "ports"}},
	} {
		o, ok := ops[c.key]
		if !ok {
			t.Errorf("no %s", c.key)
			continue
		}
		var params []string
		for _, p := range o.params {
			params = append(params, p.name)
		}
		slices.Sort(params)
		if kind := o.gvk.Group + "/" + o.gvk.Version + "/" + o.gvk.Kind; o.id != c.id || o.action != c.action || kind != c.kind || !slices.Equal(params, c.params) {
			t.Errorf("%s: %s %s %s %v, want %s %s %s %v", c.key, o.id, o.action, kind, params, c.id, c.action, c.kind, c.params)
		}
	}
	if n := len(ops); n != 43 {
		t.Errorf("%d pod operations, want upstream's 43", n)
	}
}
