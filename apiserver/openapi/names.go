package openapi

import (
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// definitionName is the name upstream gives the definition of the Go type t: its
// import path with the domain reversed, dots for slashes, then the type name
// (k8s.io/api/core/v1.ConfigMap becomes io.k8s.api.core.v1.ConfigMap). Clients only
// compare these names, so they must be exactly upstream's.
func definitionName(t reflect.Type) string {
	pkg := t.PkgPath()
	domain, rest, _ := strings.Cut(pkg, "/")
	parts := strings.Split(domain, ".")
	slices.Reverse(parts)
	name := strings.Join(parts, ".")
	if rest != "" {
		name += "." + strings.ReplaceAll(rest, "/", ".")
	}
	return name + "." + t.Name()
}

// groupName is the friendly form of an API group that upstream uses in operation tags
// and IDs: "core" for the legacy group, the group without its ".k8s.io" suffix, with
// the remaining dots folded into lower camel case ("rbac.authorization.k8s.io" becomes
// "rbacAuthorization").
func groupName(group string) string {
	if group == "" {
		return "core"
	}
	parts := strings.Split(strings.TrimSuffix(group, ".k8s.io"), ".")
	for i := 1; i < len(parts); i++ {
		parts[i] = upperFirst(parts[i])
	}
	return strings.Join(parts, "")
}

// tag is the operation tag of a group version ("core_v1", "apps_v1"); a group's own
// endpoint is tagged with the group alone.
func tag(gv schema.GroupVersion) string {
	if gv.Version == "" {
		return groupName(gv.Group)
	}
	return groupName(gv.Group) + "_" + gv.Version
}

// idPrefix is the group version part of operation IDs ("CoreV1", "RbacAuthorizationV1").
func idPrefix(gv schema.GroupVersion) string {
	return upperFirst(groupName(gv.Group)) + upperFirst(gv.Version)
}

// gvPath is the URL path of a group version ("/api/v1", "/apis/apps/v1") and docName
// the key of its document in the OpenAPI v3 index ("api/v1", "apis/apps/v1").
func gvPath(gv schema.GroupVersion) string { return "/" + docName(gv) }

func docName(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
