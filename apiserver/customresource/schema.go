package customresource

import (
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// versionSchema is one version's schema in the forms the rules need.
type versionSchema struct {
	// structural drives pruning and defaulting; nil when the version has no schema.
	structural *structuralschema.Structural
	// validator checks objects against the OpenAPI schema.
	validator apiservervalidation.SchemaValidator
	// cel runs the x-kubernetes-validations rules; nil when there are none.
	cel *cel.Validator
}

// newVersionSchema reads the schema of version v of crd.
func newVersionSchema(crd *apiextensionsv1.CustomResourceDefinition, v *apiextensionsv1.CustomResourceDefinitionVersion) (*versionSchema, error) {
	if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
		return &versionSchema{}, nil
	}
	in := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, in, nil); err != nil {
		return nil, fmt.Errorf("customresource: %s %s: %w", crd.Name, v.Name, err)
	}
	s, err := structuralschema.NewStructural(in)
	if err != nil {
		return nil, fmt.Errorf("customresource: %s %s: the schema is not structural: %w", crd.Name, v.Name, err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(in)
	if err != nil {
		return nil, fmt.Errorf("customresource: %s %s: %w", crd.Name, v.Name, err)
	}
	// Compiled once here; nil when the schema has no rules.
	rules := cel.NewValidator(s, true, celconfig.PerCallLimit)
	return &versionSchema{structural: s, validator: validator, cel: rules}, nil
}

// coerce makes a decoded object what the schema allows, as upstream does on every
// decode (from a request or from storage): metadata reduced to ObjectMeta's fields,
// unknown fields pruned unless the schema preserves them, defaults applied. It returns
// the paths of the unknown fields it dropped ("spec.foo", "metadata.bar").
func (vs *versionSchema) coerce(obj map[string]any, dropInvalidMeta bool) ([]string, *field.Error) {
	if vs.structural == nil {
		return nil, nil
	}
	ferr, unknownMeta := objectmeta.CoerceWithOptions(nil, obj, vs.structural, true, objectmeta.CoerceOptions{
		DropInvalidFields:       dropInvalidMeta,
		ReturnUnknownFieldPaths: true,
	})
	if ferr != nil {
		return nil, ferr
	}
	pruned := pruning.PruneWithOptions(obj, vs.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	structuraldefaulting.Default(obj, vs.structural)
	return append(unknownMeta, pruned...), nil
}

// defaults applies the schema's defaults.
func (vs *versionSchema) defaults(obj map[string]any) {
	if vs.structural != nil {
		structuraldefaulting.Default(obj, vs.structural)
	}
}
