package openapi

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Models returns the schemas of obj's Go type and of every type it reaches, keyed by
// definition name, as the documents define them (same names, list types, map keys and
// patch strategies), with x-kubernetes-group-version-kind on obj's own definition
// naming gvk. They are what managedfields.NewTypeConverter needs to merge and track
// the fields of one kind for server-side apply.
//
// Only the types one kind reaches are built, so a caller that needs a few kinds pays
// for those alone. The schemas are written in the Swagger 2.0 dialect: references stand
// alone and types with several JSON forms keep their single type and format, which is
// what the type converter reads most simply. Each call builds new schemas; the caller
// keeps them.
func Models(obj runtime.Object, gvk schema.GroupVersionKind) (map[string]*spec.Schema, error) {
	if obj == nil || gvk.Kind == "" || gvk.Version == "" {
		return nil, fmt.Errorf("openapi: Models needs an object and its version and kind")
	}
	defs := newDefinitions(swagger2(), upstreamMarkers())
	root, err := defs.add(reflect.TypeOf(obj))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*spec.Schema, len(defs.schemas))
	for name, s := range defs.schemas {
		s := s
		out[name] = &s
	}
	out[root].AddExtension("x-kubernetes-group-version-kind", []any{gvkExtension(gvk)})
	return out, nil
}
