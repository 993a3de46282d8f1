package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Virtual is a resource that is not stored: its verbs compute their answer on request.
// The review APIs (tokenreviews, subjectaccessreviews, ...) only create: a POST answers
// the object with its status filled in and keeps nothing. componentstatuses only get
// and list: the answer is measured when asked.
//
// Which verbs it serves follows from the functions it sets; the handlers answer the
// others 405 (on the collection) or 404 (an object path of a resource without Get), as
// upstream does for resources that do not implement a verb.
type Virtual struct {
	// Resource names the resource (group, version, names, scope, kind, New, NewList).
	// Its Strategy may be left nil: NewVirtual fills one in that publishes the verbs.
	// Set it only for more (TableStrategy columns); it must then implement
	// VerbsStrategy with the same verbs as the functions below.
	Resource *Resource
	// Warnings are sent with every answer (Warning headers), as upstream does for a
	// deprecated resource.
	Warnings []string

	// Create answers a POST to the collection with obj (decoded, of Resource.New's
	// type, its namespace checked against the URL's) and opts; the answer is
	// encoded with 201 Created, as upstream. It must not keep obj: nothing is stored.
	Create func(ctx context.Context, namespace string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error)
	// Get answers a GET of one object; List a GET of the collection (of NewList's
	// type). Selectors in opts are theirs to apply.
	Get  func(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error)
	List func(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error)
}

// NewVirtual checks v and fills in its Resource's Strategy when nil. It returns v.
func NewVirtual(v *Virtual) (*Virtual, error) {
	if v == nil || v.Resource == nil {
		return nil, errors.New("registry: a virtual resource needs its Resource")
	}
	r := v.Resource
	if r.Resource == "" || r.Kind == "" || r.Version == "" || r.New == nil {
		return nil, fmt.Errorf("registry: virtual resource %q is incomplete", r.Resource)
	}
	if v.List != nil && r.NewList == nil {
		return nil, fmt.Errorf("registry: virtual resource %q lists but has no NewList", r.Resource)
	}
	verbs := v.Verbs()
	if len(verbs) == 0 {
		return nil, fmt.Errorf("registry: virtual resource %q serves no verb", r.Resource)
	}
	if len(r.Subresources) > 0 {
		return nil, fmt.Errorf("registry: virtual resource %q cannot have subresources", r.Resource)
	}
	if r.Strategy == nil {
		r.Strategy = virtualStrategy{verbs: verbs}
		return v, nil
	}
	vs, ok := r.Strategy.(VerbsStrategy)
	if !ok || !slices.Equal(slices.Sorted(slices.Values(vs.Verbs())), verbs) {
		return nil, fmt.Errorf("registry: virtual resource %q: its Strategy must list the verbs %v", r.Resource, verbs)
	}
	return v, nil
}

// Verbs are the verbs the resource serves, sorted as discovery lists them.
func (v *Virtual) Verbs() []string {
	var out []string
	if v.Create != nil {
		out = append(out, "create")
	}
	if v.Get != nil {
		out = append(out, "get")
	}
	if v.List != nil {
		out = append(out, "list")
	}
	return out
}

// virtualStrategy is the Strategy of a virtual resource without one of its own: nothing
// is stored, so only the verbs (for discovery and OpenAPI) mean anything.
type virtualStrategy struct {
	VirtualStrategy
	verbs []string
}

func (s virtualStrategy) Verbs() []string { return slices.Clone(s.verbs) }

// VirtualStrategy is an embeddable Strategy for a virtual resource that brings its own
// (for table columns): it implements the Store hooks as no-ops; the embedding type adds
// Verbs and whatever else it publishes.
type VirtualStrategy struct{}

func (VirtualStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (VirtualStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (VirtualStrategy) Default(runtime.Object)                                           {}
func (VirtualStrategy) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (VirtualStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}
