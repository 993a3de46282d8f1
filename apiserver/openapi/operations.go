package openapi

import (
	"cmp"
	"reflect"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// route is one URL path and the operations served on it.
type route struct {
	path string
	ops  []*operation
}

// operation is one method on one path, in the form both OpenAPI versions are written
// from.
type operation struct {
	method      string // lower case, as OpenAPI keys them: get, put, post, patch, delete, ...
	id          string
	description string
	// action is the x-kubernetes-action (get, list, post, ...); "" for the discovery
	// endpoints, which have none.
	action string
	gvk    *schema.GroupVersionKind
	tag    string
	// params are every parameter, path ones included; the documents hoist those all of
	// a path's operations share to the path.
	params []param
	// body is the request body's type, nil for none.
	body         reflect.Type
	bodyRequired bool
	consumes     []string
	produces     []string
	responses    []response
}

// response is one documented answer: its code and the type of its body (nil: none; or
// a plain string for logs and streams).
type response struct {
	code   int
	typ    reflect.Type
	stream bool
}

// objectTypes are the media types of the objects Kite reads and writes; watchTypes of
// its watch streams; patchTypes of the patches it takes. CBOR, which kube-apiserver also
// lists, is not served.
func objectTypes() []string {
	return []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
}

func watchTypes() []string {
	return []string{"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"}
}

func patchTypes() []string {
	return []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
}

func anyType() []string { return []string{"*/*"} }

// newOperation is an operation taking any body and answering objects, which the
// methods below adjust.
func newOperation(method, id, description, action string, gvk schema.GroupVersionKind, tag string, params []param) *operation {
	return &operation{method: method, id: id, description: description, action: action,
		gvk: &gvk, tag: tag, params: params, consumes: anyType(), produces: objectTypes()}
}

// withBody sets the request body's type.
func (o *operation) withBody(t reflect.Type, required bool) *operation {
	o.body, o.bodyRequired = t, required
	return o
}

// answers documents the same body type for each of the codes.
func (o *operation) answers(t reflect.Type, codes ...int) *operation {
	for _, c := range codes {
		o.responses = append(o.responses, response{code: c, typ: t})
	}
	return o
}

// watching adds the watch stream's media types to what a list or watch produces.
func (o *operation) watching() *operation {
	o.produces = slices.Concat(objectTypes(), watchTypes())
	return o
}

// hoist splits the parameters of a path's operations into those all of them take,
// which upstream writes once on the path, and each operation's own; both sorted by name
// (then location), as upstream lists them. A parameter is known by its name and
// location: on one path, those name the same parameter.
func hoist(ops []*operation) (shared []param, own [][]param) {
	type key struct{ name, in string }
	count := map[key]int{}
	for _, o := range ops {
		seen := map[key]bool{}
		for _, p := range o.params {
			if k := (key{p.name, p.in}); !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	own = make([][]param, len(ops))
	for i, o := range ops {
		seen := map[key]bool{}
		for _, p := range o.params {
			k := key{p.name, p.in}
			if seen[k] {
				continue
			}
			seen[k] = true
			switch {
			case count[k] < len(ops):
				own[i] = append(own[i], p)
			case i == 0:
				shared = append(shared, p)
			}
		}
		sortParams(own[i])
	}
	sortParams(shared)
	return shared, own
}

func sortParams(ps []param) {
	slices.SortFunc(ps, func(a, b param) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.in, b.in))
	})
}
