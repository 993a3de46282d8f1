package admission

import (
	"context"
	"errors"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
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
}

// TypeCheckPolicies is the admission step of ValidatingAdmissionPolicy creates: it
// type-checks the policy's validations and message expressions against the schemas of
// the kinds its rules match, with upstream's type checker, and records the outcome in
// status.typeChecking (with status.observedGeneration), as upstream's policy status
// controller does a moment after the write. Kinds without a known schema (custom
// resources) are checked as dynamic objects. Other objects pass.
func TypeCheckPolicies(cfg TypeCheckConfig) (func(ctx context.Context, obj runtime.Object) error, error) {
	if cfg.Models == nil || cfg.Mapper == nil {
		return nil, errors.New("admission: TypeCheckConfig needs Models and Mapper")
	}
	checker := &policyvalidating.TypeChecker{SchemaResolver: modelResolver{cfg.Models}, RestMapper: cfg.Mapper}
	return func(_ context.Context, obj runtime.Object) error {
		p, ok := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
		if !ok {
			return nil
		}
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

const definitionsPrefix = "#/definitions/"

func (r modelResolver) ResolveSchema(gvk schema.GroupVersionKind) (*spec.Schema, error) {
	defs, err := r.models(gvk)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, resolver.ErrSchemaNotFound)
	}
	root := ""
	for name, s := range defs {
		if _, ok := s.Extensions["x-kubernetes-group-version-kind"]; ok {
			root = name
			break
		}
	}
	if root == "" {
		return nil, fmt.Errorf("no definition of %v: %w", gvk, resolver.ErrSchemaNotFound)
	}
	return resolver.PopulateRefs(func(ref string) (*spec.Schema, bool) {
		s, ok := defs[strings.TrimPrefix(ref, definitionsPrefix)]
		if !ok {
			return nil, false
		}
		c := *s
		return &c, true
	}, definitionsPrefix+root)
}
