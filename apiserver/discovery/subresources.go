package discovery

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// subresource is what discovery says about one subresource: its verbs and the kind it
// answers with. Upstream names a group and version only for kinds of another group
// (scale, eviction, token); for the rest both are left empty.
type subresource struct {
	verbs []string
	gvk   schema.GroupVersionKind
}

// describeSubresource returns upstream's description of parent's subresource sub. The
// verbs are what kube-apiserver's handlers for each subresource accept, sorted as it
// lists them; an unknown name is an error, so a typo cannot publish a wrong document.
func describeSubresource(parent *registry.Resource, sub string) (subresource, error) {
	kind := func(k string) schema.GroupVersionKind { return schema.GroupVersionKind{Kind: k} }
	readWrite := []string{"get", "patch", "update"}
	connect := []string{"create", "get"}
	switch sub {
	case "status", "ephemeralcontainers", "resize", "approval":
		return subresource{readWrite, kind(parent.Kind)}, nil
	case "finalize":
		return subresource{[]string{"update"}, kind(parent.Kind)}, nil
	case "log":
		return subresource{[]string{"get"}, kind(parent.Kind)}, nil
	case "scale":
		return subresource{readWrite, schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}}, nil
	case "binding":
		return subresource{[]string{"create"}, kind("Binding")}, nil
	case "eviction":
		return subresource{[]string{"create"}, schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}}, nil
	case "token":
		return subresource{[]string{"create"}, schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}}, nil
	case "exec":
		return subresource{connect, kind("PodExecOptions")}, nil
	case "attach":
		return subresource{connect, kind("PodAttachOptions")}, nil
	case "portforward":
		return subresource{connect, kind("PodPortForwardOptions")}, nil
	case "proxy":
		// PodProxyOptions, NodeProxyOptions, ServiceProxyOptions.
		return subresource{[]string{"create", "delete", "get", "patch", "update"}, kind(parent.Kind + "ProxyOptions")}, nil
	}
	return subresource{}, fmt.Errorf("discovery: %s has an unknown subresource %q", parent.GroupResource(), sub)
}
