package requestinfo

import (
	"net/http"
	"strings"
)

// Info describes one request.
type Info struct {
	// Resource is true for paths under /api/{version} and /apis/{group}/{version}
	// that name a resource.
	Resource bool
	// Verb is upstream's metric verb: the HTTP method in upper case, with GET of a
	// collection as LIST, a watch as WATCH, a server-side apply patch as APPLY, and
	// the streaming subresources (exec, attach, portforward, proxy) as CONNECT.
	Verb string
	// Group ("" for core), Version, ResourceName (the plural, "pods"), Namespace, Name
	// and Subresource as the path names them.
	Group, Version, ResourceName, Namespace, Name, Subresource string
	// LongRunning is true for a watch and the streaming subresources.
	LongRunning bool
}

// Scope is upstream's metric scope: "resource" for a request about one object (and
// every create), "namespace" for a namespaced collection, "cluster" for a cluster-wide
// one, "" for a path that is not a resource.
func (i Info) Scope() string {
	switch {
	case !i.Resource:
		return ""
	case i.Name != "" || i.Verb == "POST":
		return "resource"
	case i.Namespace != "":
		return "namespace"
	default:
		return "cluster"
	}
}

// streaming are the subresources that hold a connection open; upstream calls them
// long-running.
var streaming = map[string]bool{"exec": true, "attach": true, "portforward": true, "proxy": true, "log": true}

// Parse describes r.
func Parse(r *http.Request) Info {
	info := Info{Verb: r.Method}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		info.Version, parts = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		info.Group, info.Version, parts = parts[1], parts[2], parts[3:]
	default:
		return info
	}
	watchPath := false
	if len(parts) > 0 && parts[0] == "watch" {
		watchPath, parts = true, parts[1:]
	}
	if len(parts) == 0 {
		return Info{Verb: r.Method}
	}
	info.Resource = true
	// namespaces/{ns}/{resource}/... is a namespaced resource; namespaces,
	// namespaces/{name} and its status and finalize are the namespaces themselves.
	if parts[0] == "namespaces" && len(parts) >= 3 && parts[2] != "status" && parts[2] != "finalize" {
		info.Namespace, parts = parts[1], parts[2:]
	}
	info.ResourceName = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = parts[2]
	}
	if info.ResourceName == "namespaces" && info.Name != "" && info.Namespace == "" {
		info.Namespace = info.Name
	}

	isWatch := watchPath
	if !isWatch && r.Method == http.MethodGet && strings.Contains(r.URL.RawQuery, "watch=") {
		w := r.URL.Query().Get("watch")
		isWatch = w == "true" || w == "1"
	}
	switch {
	case r.Method == http.MethodGet && isWatch:
		info.Verb, info.LongRunning = "WATCH", true
	case streaming[info.Subresource]:
		info.LongRunning = true
		if info.Subresource != "log" {
			info.Verb = "CONNECT"
		}
	case r.Method == http.MethodGet && info.Name == "":
		info.Verb = "LIST"
	case r.Method == http.MethodPatch && strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch"):
		info.Verb = "APPLY"
	}
	return info
}

// LongRunning reports whether r is a watch or a streaming subresource request.
func LongRunning(r *http.Request) bool { return Parse(r).LongRunning }
