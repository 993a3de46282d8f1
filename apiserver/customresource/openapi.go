package customresource

import (
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kite/apiserver/openapi"
)

// guard turns a panic of the builder (which trusts the definition it is given) into
// an error: one odd definition must not stop the server.
func guard[T any](build func() (T, error)) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building the OpenAPI document panicked: %v", r)
		}
	}()
	return build()
}

// OpenAPI builds what the served versions add to the OpenAPI documents, with
// upstream's builder (so kubectl explain and client-side validation read what they
// read from kube-apiserver): each version's paths and definitions for /openapi/v2,
// and one v3 document per group version, merging the definitions that share it.
func OpenAPI(served []*Served) (openapi.Custom, error) {
	c := openapi.Custom{V3: map[string]*spec3.OpenAPI{}}
	byGV := map[string][]*spec3.OpenAPI{}
	for _, s := range served {
		opts := builder.Options{V2: true, IncludeSelectableFields: true}
		v2, err := guard(func() (*spec.Swagger, error) { return builder.BuildOpenAPIV2(s.CRD, s.Version, opts) })
		if err != nil {
			return openapi.Custom{}, fmt.Errorf("customresource: OpenAPI v2 of %s %s: %w", s.CRD.Name, s.Version, err)
		}
		// Defaults go, as upstream prunes them, to merge cleanly with the fixed document.
		v2.Definitions = handler.PruneDefaults(v2.Definitions)
		c.V2 = append(c.V2, v2)
		name := "apis/" + s.CRD.Spec.Group + "/" + s.Version
		byGV[name] = append(byGV[name], s.v3)
	}
	for name, docs := range byGV {
		merged, err := builder.MergeSpecsV3(docs...)
		if err != nil {
			return openapi.Custom{}, fmt.Errorf("customresource: OpenAPI v3 of %s: %w", name, err)
		}
		c.V3[name] = merged
	}
	return c, nil
}
