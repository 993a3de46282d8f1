package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/warning"
)

// restRequest is what a REST path names, and what the request collects on the way
// (warnings for the client).
type restRequest struct {
	*restResource
	// namespace is "" for cluster-scoped resources and for a namespaced resource listed
	// across all namespaces.
	namespace string
	// name is "" on a collection.
	name        string
	subresource string
	// watchPath is set for the legacy /watch/ paths, which only watch.
	watchPath bool
	// connectPath is what follows a proxy subresource ("" when nothing does).
	connectPath string
	// warnings collects what the client is warned of (Warning headers): the handlers
	// add to it with warn, the registry and admission through the request's context.
	warnings *warning.Recorder
}

// warn records a warning for the client (a Warning header), once per text.
func (req *restRequest) warn(texts ...string) {
	for _, t := range texts {
		req.warnings.Add(t)
	}
}

// route reads a REST path, upstream's layout:
//
//	/api/v1/{resource}[/{name}[/{subresource}]]                     cluster-scoped, or a
//	                                                                namespaced collection across namespaces
//	/api/v1/namespaces/{namespace}/{resource}[/{name}[/{subresource}]]
//	/apis/{group}/{version}/...                                     the same for other groups
//	/api/v1/watch/...                                               the legacy watch paths
//
// The namespaces resource is itself cluster-scoped, so /api/v1/namespaces/{name}/status
// is its subresource while /api/v1/namespaces/{name}/configmaps is a collection.
func (h *restHandler) route(r *http.Request) (*restRequest, error) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var gv schema.GroupVersion
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		gv, parts = schema.GroupVersion{Version: parts[1]}, parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		gv, parts = schema.GroupVersion{Group: parts[1], Version: parts[2]}, parts[3:]
	default:
		return nil, notFound()
	}
	// Empty segments are refused where they are read: a proxy subresource passes on
	// the rest of the path as it is, empty segments too.
	if parts[0] == "" {
		return nil, notFound()
	}
	req := &restRequest{warnings: &warning.Recorder{}}
	if parts[0] == "watch" {
		req.watchPath, parts = true, parts[1:]
		if len(parts) == 0 {
			return nil, notFound()
		}
	}
	resources := h.groups[gv]
	if resources == nil {
		resources = h.custom.lookup(gv)
	}
	if resources == nil {
		return nil, notFound()
	}
	if parts[0] == "namespaces" && len(parts) >= 3 && parts[1] == "" {
		return nil, notFound()
	}
	if parts[0] == "namespaces" && len(parts) >= 3 && !isNamespaceSubresource(resources, parts) {
		rr := resources[parts[2]]
		if rr == nil || !rr.res.Namespaced {
			return nil, notFound()
		}
		req.restResource, req.namespace, parts = rr, parts[1], parts[3:]
		if err := validSegment("namespace", req.namespace); err != nil {
			return nil, err
		}
	} else {
		rr := resources[parts[0]]
		if rr == nil {
			return nil, notFound()
		}
		req.restResource, parts = rr, parts[1:]
		if rr.res.Namespaced && len(parts) > 0 {
			// A namespaced object is only reachable inside its namespace.
			return nil, notFound()
		}
	}
	if len(parts) > 2 && parts[1] == "proxy" && req.actions["proxy"] != nil && !req.watchPath {
		req.connectPath = strings.Join(parts[2:], "/")
		parts = parts[:2]
	}
	if slices.Contains(parts, "") {
		return nil, notFound()
	}
	switch len(parts) {
	case 0:
	case 1, 2:
		req.name = parts[0]
		if err := validSegment("resource", req.name); err != nil {
			return nil, err
		}
		if len(parts) == 2 {
			req.subresource = parts[1]
			if req.watchPath || !slices.Contains(req.res.Subresources, req.subresource) {
				return nil, notFound()
			}
		}
	default:
		return nil, notFound()
	}
	return req, nil
}

// isNamespaceSubresource says whether namespaces/{name}/{x} is a subresource of a
// namespace (status, finalize) rather than a collection inside it.
func isNamespaceSubresource(resources map[string]*restResource, parts []string) bool {
	ns := resources["namespaces"]
	return len(parts) == 3 && ns != nil && slices.Contains(ns.res.Subresources, parts[2])
}

// validSegment refuses names that cannot be path segments ("..", or with "/" or "%"),
// as upstream does before looking anything up.
func validSegment(what, name string) error {
	if errs := content.IsPathSegmentName(name); len(errs) > 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid %s name %q: %v", what, name, errs))
	}
	return nil
}

// notFound is upstream's answer for a path it does not serve.
func notFound() error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "", "", 0, false)
}

// methodNotAllowed is upstream's answer for a method a path does not serve.
func methodNotAllowed() error {
	return apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed, "", schema.GroupResource{}, "", "", 0, false)
}
