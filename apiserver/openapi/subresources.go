package openapi

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kindOf is the kind of another group's object a subresource reads or writes.
type kindOf struct {
	gvk schema.GroupVersionKind
	typ reflect.Type
}

// subresourceKinds are the objects of other kinds than their parent's that
// subresources take, with the kinds upstream names them by.
func subresourceKinds() map[string]kindOf {
	return map[string]kindOf{
		"scale":    {schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, reflect.TypeFor[autoscalingv1.Scale]()},
		"token":    {schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, reflect.TypeFor[authenticationv1.TokenRequest]()},
		"eviction": {schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, reflect.TypeFor[policyv1.Eviction]()},
		"binding":  {schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, reflect.TypeFor[corev1.Binding]()},
	}
}

// subresourceRoutes are the operations of the subresource sub of c's resource, as kube-apiserver
// documents them. The verbs follow what its handlers accept (the same table discovery
// publishes); an unknown name is an error, so a typo cannot publish a wrong document.
func subresourceRoutes(c *resourceOps, sub string) ([]route, error) {
	parent := c.r
	path := c.item + "/" + sub
	title := upperFirst(sub)
	parentGVK := parent.GroupVersionKind()
	id := func(verb string) string { return verb + idPrefix(c.gv) + c.scope + parent.Kind + title }
	op := func(method, verb, action, description string, gvk schema.GroupVersionKind, params []param) *operation {
		return newOperation(method, id(verb), description, action, gvk, tag(c.gv), params)
	}
	readWrite := func(gvk schema.GroupVersionKind, typ reflect.Type) []route {
		read := op("get", "read", "get", "read "+sub+" of the specified "+parent.Kind, gvk, c.nameParams).answers(typ, 200)
		replace := op("put", "replace", "put", "replace "+sub+" of the specified "+parent.Kind, gvk, slices.Concat(c.nameParams, updateParams())).
			withBody(typ, true).answers(typ, 200, 201)
		patch := op("patch", "patch", "patch", "partially update "+sub+" of the specified "+parent.Kind, gvk, slices.Concat(c.nameParams, patchParams())).
			withBody(reflect.TypeFor[metav1.Patch](), true).answers(typ, 200, 201)
		patch.consumes = patchTypes()
		return []route{{path: path, ops: []*operation{read, patch, replace}}}
	}
	create := func(k kindOf) []route {
		o := op("post", "create", "post", "create "+sub+" of "+withArticle(parent.Kind), k.gvk, slices.Concat(c.nameParams, createParams())).
			withBody(k.typ, true).answers(k.typ, 200, 201, 202)
		return []route{{path: path, ops: []*operation{o}}}
	}
	// connect is a streaming subresource (exec, attach, portforward, proxy): its
	// options come as query parameters, and its answer is whatever the stream carries.
	connect := func(path, suffix string, options any, params []param, methods ...string) route {
		kind := reflect.TypeOf(options).Name()
		gvk := schema.GroupVersionKind{Version: "v1", Kind: kind}
		rt := route{path: path}
		for _, m := range methods {
			o := newOperation(m, "connect"+idPrefix(c.gv)+upperFirst(m)+c.scope+parent.Kind+title+suffix,
				"connect "+strings.ToUpper(m)+" requests to "+sub+" of "+parent.Kind, "connect", gvk, tag(c.gv),
				slices.Concat(params, queryParams(options)))
			o.produces, o.responses = anyType(), []response{{code: 200, stream: true}}
			rt.ops = append(rt.ops, o)
		}
		return rt
	}
	// The name parameters without pretty, which streams do not take.
	streamParams := slices.DeleteFunc(slices.Clone(c.nameParams), func(p param) bool { return p.name == "pretty" })

	switch sub {
	case "status", "ephemeralcontainers", "resize", "approval":
		return readWrite(parentGVK, c.object), nil
	case "scale":
		k := subresourceKinds()[sub]
		return readWrite(k.gvk, k.typ), nil
	case "finalize":
		o := op("put", "replace", "put", "replace finalize of the specified "+parent.Kind, parentGVK, slices.Concat(c.nameParams, updateParams())).
			withBody(c.object, true).answers(c.object, 200, 201)
		return []route{{path: path, ops: []*operation{o}}}, nil
	case "token", "eviction", "binding":
		return create(subresourceKinds()[sub]), nil
	case "log":
		o := op("get", "read", "get", "read log of the specified "+parent.Kind, parentGVK, slices.Concat(c.nameParams, queryParams(corev1.PodLogOptions{})))
		o.responses = []response{{code: 200, stream: true}}
		o.produces = slices.Concat([]string{"text/plain"}, objectTypes())
		return []route{{path: path, ops: []*operation{o}}}, nil
	case "exec":
		return []route{connect(path, "", corev1.PodExecOptions{}, streamParams, "get", "post")}, nil
	case "attach":
		return []route{connect(path, "", corev1.PodAttachOptions{}, streamParams, "get", "post")}, nil
	case "portforward":
		return []route{connect(path, "", corev1.PodPortForwardOptions{}, streamParams, "get", "post")}, nil
	case "proxy":
		var options any
		switch parent.Kind {
		case "Pod":
			options = corev1.PodProxyOptions{}
		case "Node":
			options = corev1.NodeProxyOptions{}
		case "Service":
			options = corev1.ServiceProxyOptions{}
		default:
			return nil, fmt.Errorf("openapi: %s has no proxy subresource upstream", parent.GroupResource())
		}
		methods := []string{"delete", "get", "head", "options", "patch", "post", "put"}
		withPath := slices.Concat(streamParams, []param{pathParam("path", "path to the resource")})
		return []route{
			connect(path, "", options, streamParams, methods...),
			connect(path+"/{path}", "WithPath", options, withPath, methods...),
		}, nil
	}
	return nil, fmt.Errorf("openapi: %s has an unknown subresource %q", parent.GroupResource(), sub)
}
