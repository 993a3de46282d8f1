package openapi

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// storeVerbs are the verbs of a resource kept by the generic Store.
func storeVerbs() []string {
	return []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
}

// deletedObjectReturner is implemented by a Strategy whose resource answers a
// deletion with the deleted object rather than a Status, as upstream's pods and
// services do.
type deletedObjectReturner interface {
	ReturnsDeletedObject() bool
}

// resourceRoutes are the paths and operations of one resource and its subresources,
// with upstream's operation IDs, descriptions and parameters; only the verbs the
// resource serves are documented.
func resourceRoutes(r *registry.Resource) ([]route, error) {
	if r == nil || r.Version == "" || r.Resource == "" || r.Kind == "" || r.New == nil {
		return nil, fmt.Errorf("openapi: resource %v needs a version, a plural name, a kind and New", r)
	}
	b := newResourceOps(r)
	var routes []route
	add := func(path string, ops ...*operation) {
		ops = slices.DeleteFunc(ops, func(o *operation) bool { return o == nil })
		if len(ops) > 0 {
			routes = append(routes, route{path: path, ops: ops})
		}
	}
	add(b.collection, b.list(), b.create(), b.deleteCollection())
	add(b.item, b.read(), b.replace(), b.patch(), b.delete())
	if r.Namespaced {
		add(gvPath(b.gv)+"/"+r.Resource, b.listAllNamespaces())
	}
	if b.has("watch") {
		watchPath := gvPath(b.gv) + "/watch" + b.nsPath + "/" + r.Resource
		add(watchPath, b.watchList())
		add(watchPath+"/{name}", b.watch())
		if r.Namespaced {
			add(gvPath(b.gv)+"/watch/"+r.Resource, b.watchListAllNamespaces())
		}
	}
	for _, name := range r.Subresources {
		sub, err := subresourceRoutes(b, name)
		if err != nil {
			return nil, err
		}
		routes = append(routes, sub...)
	}
	return routes, nil
}

// resourceOps builds the operations of one resource; each method returns nil when
// the resource does not serve the verb.
type resourceOps struct {
	r                *registry.Resource
	gv               schema.GroupVersion
	gvk              schema.GroupVersionKind
	verbs            []string
	object, listType reflect.Type // listType is nil for a resource without NewList
	// scope is "Namespaced" in the operation IDs of namespaced resources; nsPath the
	// namespace part of their paths.
	scope, nsPath string
	// collection and item are the resource's paths; pathParams the parameters of the
	// first, nameParams of the second.
	collection, item       string
	pathParams, nameParams []param
}

func newResourceOps(r *registry.Resource) *resourceOps {
	b := &resourceOps{r: r, gv: schema.GroupVersion{Group: r.Group, Version: r.Version}, gvk: r.GroupVersionKind(),
		verbs: storeVerbs(), object: reflect.TypeOf(r.New()), pathParams: []param{prettyParam()}}
	if vs, ok := r.Strategy.(registry.VerbsStrategy); ok {
		b.verbs = vs.Verbs()
	}
	if r.NewList != nil {
		b.listType = reflect.TypeOf(r.NewList())
	}
	if r.Namespaced {
		b.scope, b.nsPath = "Namespaced", "/namespaces/{namespace}"
		b.pathParams = append(b.pathParams, namespaceParam())
	}
	b.nameParams = append(slices.Clone(b.pathParams), pathParam("name", "name of the "+r.Kind))
	b.collection = gvPath(b.gv) + b.nsPath + "/" + r.Resource
	b.item = b.collection + "/{name}"
	return b
}

func (b *resourceOps) has(verb string) bool { return slices.Contains(b.verbs, verb) }

// id is the usual operation ID: "readCoreV1NamespacedConfigMap".
func (b *resourceOps) id(verb, suffix string) string {
	return verb + idPrefix(b.gv) + b.scope + b.r.Kind + suffix
}

func (b *resourceOps) op(method, id, action, description string, params []param) *operation {
	return newOperation(method, id, description, action, b.gvk, tag(b.gv), params)
}

func (b *resourceOps) listDescription() string {
	if b.has("watch") {
		return "list or watch objects of kind " + b.r.Kind
	}
	return "list objects of kind " + b.r.Kind
}

func (b *resourceOps) list() *operation {
	if !b.has("list") || b.listType == nil {
		return nil
	}
	return b.op("get", b.id("list", ""), "list", b.listDescription(), slices.Concat(b.pathParams, listParams())).
		watching().answers(b.listType, 200)
}

func (b *resourceOps) listAllNamespaces() *operation {
	if !b.has("list") || b.listType == nil {
		return nil
	}
	return b.op("get", "list"+idPrefix(b.gv)+b.r.Kind+"ForAllNamespaces", "list", b.listDescription(),
		slices.Concat([]param{prettyParam()}, listParams())).watching().answers(b.listType, 200)
}

func (b *resourceOps) create() *operation {
	if !b.has("create") {
		return nil
	}
	return b.op("post", b.id("create", ""), "post", "create "+withArticle(b.r.Kind), slices.Concat(b.pathParams, createParams())).
		withBody(b.object, true).answers(b.object, 200, 201, 202)
}

func (b *resourceOps) deleteCollection() *operation {
	if !b.has("deletecollection") {
		return nil
	}
	return b.op("delete", "delete"+idPrefix(b.gv)+"Collection"+b.scope+b.r.Kind, "deletecollection", "delete collection of "+b.r.Kind,
		slices.Concat(b.pathParams, deleteCollectionParams())).
		withBody(reflect.TypeFor[metav1.DeleteOptions](), false).answers(reflect.TypeFor[metav1.Status](), 200)
}

func (b *resourceOps) read() *operation {
	if !b.has("get") {
		return nil
	}
	return b.op("get", b.id("read", ""), "get", "read the specified "+b.r.Kind, b.nameParams).answers(b.object, 200)
}

func (b *resourceOps) replace() *operation {
	if !b.has("update") {
		return nil
	}
	return b.op("put", b.id("replace", ""), "put", "replace the specified "+b.r.Kind, slices.Concat(b.nameParams, updateParams())).
		withBody(b.object, true).answers(b.object, 200, 201)
}

func (b *resourceOps) patch() *operation {
	if !b.has("patch") {
		return nil
	}
	o := b.op("patch", b.id("patch", ""), "patch", "partially update the specified "+b.r.Kind, slices.Concat(b.nameParams, patchParams())).
		withBody(reflect.TypeFor[metav1.Patch](), true).answers(b.object, 200, 201)
	o.consumes = patchTypes()
	return o
}

func (b *resourceOps) delete() *operation {
	if !b.has("delete") {
		return nil
	}
	// A deletion answers a Status, or for a resource whose deletions return the object
	// (upstream's pods, services, ...), the object.
	deleted := reflect.TypeFor[metav1.Status]()
	if dr, ok := b.r.Strategy.(deletedObjectReturner); ok && dr.ReturnsDeletedObject() {
		deleted = b.object
	}
	return b.op("delete", b.id("delete", ""), "delete", "delete "+withArticle(b.r.Kind), slices.Concat(b.nameParams, deleteParams())).
		withBody(reflect.TypeFor[metav1.DeleteOptions](), false).answers(deleted, 200, 202)
}

// The legacy /watch/ paths, which kube-apiserver still serves and documents.

func (b *resourceOps) watch() *operation {
	return b.op("get", b.id("watch", ""), "watch",
		"watch changes to an object of kind "+b.r.Kind+". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
		slices.Concat(b.nameParams, listParams())).watching().answers(reflect.TypeFor[metav1.WatchEvent](), 200)
}

func (b *resourceOps) watchList() *operation {
	return b.op("get", b.id("watch", "List"), "watchlist", b.watchListDescription(),
		slices.Concat(b.pathParams, listParams())).watching().answers(reflect.TypeFor[metav1.WatchEvent](), 200)
}

func (b *resourceOps) watchListAllNamespaces() *operation {
	return b.op("get", "watch"+idPrefix(b.gv)+b.r.Kind+"ListForAllNamespaces", "watchlist", b.watchListDescription(),
		slices.Concat([]param{prettyParam()}, listParams())).watching().answers(reflect.TypeFor[metav1.WatchEvent](), 200)
}

func (b *resourceOps) watchListDescription() string {
	return "watch individual changes to a list of " + b.r.Kind + ". deprecated: use the 'watch' parameter with a list operation instead."
}

// withArticle puts before a kind the English indefinite article upstream's
// descriptions use: "an Event", "a Pod", none for a plural ("Endpoints", but "an
// Ingress").
func withArticle(kind string) string {
	switch {
	case strings.HasSuffix(kind, "s") && !strings.HasSuffix(kind, "ss"):
		return kind
	case kind != "" && strings.ContainsRune("AEIOU", rune(kind[0])):
		return "an " + kind
	}
	return "a " + kind
}

func namespaceParam() param {
	return pathParam("namespace", "object name and auth scope, such as for teams and projects")
}
