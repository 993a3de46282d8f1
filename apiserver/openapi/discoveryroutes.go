package openapi

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// The discovery endpoints and /version, documented as upstream documents them: no
// action, no kind.

// groupVersionRoute is the discovery endpoint of a group version ("/api/v1/").
func groupVersionRoute(gv schema.GroupVersion) route {
	return route{path: gvPath(gv) + "/", ops: []*operation{discoveryOp(
		"get"+idPrefix(gv)+"APIResources", "get available resources", tag(gv), reflect.TypeFor[metav1.APIResourceList]())}}
}

// groupRoute is the discovery endpoint of a group other than core ("/apis/apps/").
func groupRoute(group string) route {
	return route{path: "/apis/" + group + "/", ops: []*operation{discoveryOp(
		"get"+upperFirst(groupName(group))+"APIGroup", "get information of a group", groupName(group), reflect.TypeFor[metav1.APIGroup]())}}
}

// coreRoute is /api/, the versions of the core group.
func coreRoute() route {
	return route{path: "/api/", ops: []*operation{discoveryOp("getCoreAPIVersions", "get available API versions", "core", reflect.TypeFor[metav1.APIVersions]())}}
}

// groupsRoute is /apis/, the other groups.
func groupsRoute() route {
	return route{path: "/apis/", ops: []*operation{discoveryOp("getAPIVersions", "get available API versions", "apis", reflect.TypeFor[metav1.APIGroupList]())}}
}

func versionRoute() route {
	o := discoveryOp("getCodeVersion", "get the version information for this server", "version", reflect.TypeFor[version.Info]())
	o.consumes, o.produces = []string{"application/json"}, []string{"application/json"}
	return route{path: "/version/", ops: []*operation{o}}
}

func discoveryOp(id, description, tag string, typ reflect.Type) *operation {
	return &operation{method: "get", id: id, description: description, tag: tag,
		consumes: objectTypes(), produces: objectTypes(), responses: []response{{code: 200, typ: typ}}}
}
