package admission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	policyvalidating "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// TypeCheckConfig configures TypeCheckPolicies.
type TypeCheckConfig struct {
	// Models returns the OpenAPI definitions of a kind and of every type it reaches,
	// keyed by definition name, the kind's own carrying x-kubernetes-group-version-kind
	// (what kite/apiserver/openapi.Models gives); an error for a kind it does not know.
	// Required.
	Models func(gvk schema.GroupVersionKind) (map[string]*spec.Schema, error)
	// Mapper maps the resources a policy matches to their kinds. Required.
	Mapper meta.RESTMapper
	// Definitions lists the stored CustomResourceDefinitions, read at each check, so
	// that a policy over custom resources is checked against the schema of the version
	// it names, as upstream checks it against the OpenAPI it publishes for the
	// definition. Optional: without it custom resources are checked as dynamic objects.
	Definitions func(ctx context.Context) ([]apiextensionsv1.CustomResourceDefinition, error)
}

// TypeCheckPolicies is the admission step of ValidatingAdmissionPolicy creates (and,
// through TypeCheckNewGenerations, the write hook of their updates): it type-checks
// the policy's validations and message expressions against the schemas of the kinds
// its rules match, with upstream's type checker, and records the outcome in
// status.typeChecking (with status.observedGeneration), as upstream's policy status
// controller does a moment after the write. Built-in kinds are checked against their
// OpenAPI models, custom resources against the OpenAPI upstream's builder makes of
// their definition's served version (structural schema, with the standard metadata);
// kinds without a known schema are checked as dynamic objects. Other objects pass.
func TypeCheckPolicies(cfg TypeCheckConfig) (func(ctx context.Context, obj runtime.Object) error, error) {
	if cfg.Models == nil || cfg.Mapper == nil {
		return nil, errors.New("admission: TypeCheckConfig needs Models and Mapper")
	}
	return func(ctx context.Context, obj runtime.Object) error {
		p, ok := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
		if !ok {
			return nil
		}
		models, mapper := cfg.Models, cfg.Mapper
		if cfg.Definitions != nil {
			crds, err := cfg.Definitions(ctx)
			if err != nil {
				return err
			}
			custom := newCustomKinds(crds)
			models = custom.models(cfg.Models)
			mapper = meta.MultiRESTMapper{cfg.Mapper, custom.mapper}
		}
		checker := &policyvalidating.TypeChecker{SchemaResolver: modelResolver{models}, RestMapper: mapper}
		warnings := checker.Check(p)
		p.Status.ObservedGeneration = p.Generation
		p.Status.TypeChecking = &admissionregistrationv1.TypeChecking{ExpressionWarnings: warnings}
		return nil
	}, nil
}

// modelResolver resolves a kind's schema from its definitions, references inlined.
type modelResolver struct {
	models func(gvk schema.GroupVersionKind) (map[string]*spec.Schema, error)
}

// The prefixes of references: OpenAPI v2 definitions (the built-in models) and v3
// component schemas (a custom resource's document).
const (
	definitionsPrefix = "#/definitions/"
	componentsPrefix  = "#/components/schemas/"
)

func (r modelResolver) ResolveSchema(gvk schema.GroupVersionKind) (*spec.Schema, error) {
	defs, err := r.models(gvk)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, resolver.ErrSchemaNotFound)
	}
	root := ""
	for name, s := range defs {
		if slices.Contains(kindsOfModel(s), gvk) {
			root = name
			break
		}
	}
	if root == "" {
		return nil, fmt.Errorf("no definition of %v: %w", gvk, resolver.ErrSchemaNotFound)
	}
	return resolver.PopulateRefs(func(ref string) (*spec.Schema, bool) {
		name, ok := strings.CutPrefix(ref, definitionsPrefix)
		if !ok {
			name, _ = strings.CutPrefix(ref, componentsPrefix)
		}
		s, ok := defs[name]
		if !ok {
			return nil, false
		}
		c := *s
		return &c, true
	}, definitionsPrefix+root)
}

// kindsOfModel reads a model's x-kubernetes-group-version-kind, whichever Go shape the
// extension was built with (a list of maps of any or of strings).
func kindsOfModel(s *spec.Schema) []schema.GroupVersionKind {
	ext, ok := s.Extensions["x-kubernetes-group-version-kind"]
	if !ok {
		return nil
	}
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil
	}
	var list []schema.GroupVersionKind
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}
