package admission

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kite/apiserver/registry/customresourcedefinition"
)

// The custom resources a policy may match, for the type check: the served versions of
// the established definitions, under their accepted names, and the schema of each
// as upstream publishes it (the OpenAPI v3 document its builder makes of the
// definition: the version's structural schema with apiVersion, kind and the standard
// metadata), so a policy is checked against what clients see.

// customKinds maps the served versions of a set of definitions.
type customKinds struct {
	mapper *meta.DefaultRESTMapper
	byKind map[schema.GroupVersionKind]customVersion
}

// customVersion is one served version of a definition.
type customVersion struct {
	crd     *apiextensionsv1.CustomResourceDefinition
	version string
}

// newCustomKinds maps the served versions of the established definitions in crds.
func newCustomKinds(crds []apiextensionsv1.CustomResourceDefinition) *customKinds {
	c := &customKinds{mapper: meta.NewDefaultRESTMapper(nil), byKind: map[schema.GroupVersionKind]customVersion{}}
	for i := range crds {
		crd := &crds[i]
		names := crd.Status.AcceptedNames
		if !customresourcedefinition.IsTrue(crd, apiextensionsv1.Established) || names.Plural == "" || names.Kind == "" {
			continue
		}
		scope := meta.RESTScopeRoot
		if crd.Spec.Scope == apiextensionsv1.NamespaceScoped {
			scope = meta.RESTScopeNamespace
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: names.Kind}
			plural := gvk.GroupVersion().WithResource(names.Plural)
			c.mapper.AddSpecific(gvk, plural, gvk.GroupVersion().WithResource(names.Singular), scope)
			c.byKind[gvk] = customVersion{crd: crd, version: v.Name}
		}
	}
	return c
}

// established reports whether crd is served: its Established condition is true.
func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}

// models returns the models of the custom kinds, and of the others what builtin
// gives.
func (c *customKinds) models(builtin func(schema.GroupVersionKind) (map[string]*spec.Schema, error)) func(schema.GroupVersionKind) (map[string]*spec.Schema, error) {
	return func(gvk schema.GroupVersionKind) (map[string]*spec.Schema, error) {
		cv, ok := c.byKind[gvk]
		if !ok {
			return builtin(gvk)
		}
		doc, err := customDocument(cv)
		if err != nil {
			return nil, err
		}
		return doc, nil
	}
}

// customDocument builds the component schemas of one served version with upstream's
// builder, which trusts its definition: a panic becomes an error.
func customDocument(cv customVersion) (defs map[string]*spec.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			defs, err = nil, fmt.Errorf("building the OpenAPI of %s %s panicked: %v", cv.crd.Name, cv.version, r)
		}
	}()
	// Name the kind as it is served: by its accepted names.
	crd := cv.crd.DeepCopy()
	crd.Spec.Names = crd.Status.AcceptedNames
	doc, err := builder.BuildOpenAPIV3(crd, cv.version, builder.Options{})
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI of %s %s: %w", cv.crd.Name, cv.version, err)
	}
	if doc.Components == nil || len(doc.Components.Schemas) == 0 {
		return nil, fmt.Errorf("the OpenAPI of %s %s has no schemas", cv.crd.Name, cv.version)
	}
	return doc.Components.Schemas, nil
}
