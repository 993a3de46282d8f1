package admission

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// matchPolicy Equivalent (the v1 default), as upstream: a webhook none of whose rules
// names the requested resource is still called when a rule names an equivalent
// resource, one that keeps the same objects under another group or version
// (autoscaling/v1 and v2 horizontalpodautoscalers, core and events.k8s.io events,
// the served versions of a custom resource), with the same subresource served. The
// rules are tried in order, each against the equivalents in order; the first match
// wins, and an exact match always wins. The webhook then sees the request as one for
// that resource: kind, resource and subResource name it and the objects are converted
// to its kind, while requestKind, requestResource and requestSubResource keep the
// request as made. A mutating webhook's patch is applied to the converted object,
// which is converted back.

// Equivalents lists the resources equivalent to r: the other resources that keep the
// same objects (never r itself), in the order upstream would try them.
type Equivalents func(ctx context.Context, r *registry.Resource) ([]*registry.Resource, error)

// CustomConverter converts a custom resource object in place to version gv of its
// group (what the definition's conversion strategy does).
type CustomConverter func(ctx context.Context, obj *unstructured.Unstructured, gv schema.GroupVersion) error

// equivalentMatch is the resource a webhook's rule matched in place of the request's
// own, and the kind its objects take there.
type equivalentMatch struct {
	resource *registry.Resource
	kind     schema.GroupVersionKind
}

// versioner finds the equivalents of a request's resource and converts its objects
// between them; the webhooks and the policy steps share it. Its zero value knows no
// equivalents.
type versioner struct {
	equivalents Equivalents
	custom      CustomConverter
}

// equivalentRule finds, for a request a that none of n rules names itself, the first
// equivalent resource that one of them covers (rules in order, each against the
// equivalents in order). covers(i, override) tells whether rule i covers the request
// override, a copy of a naming the equivalent. ok is false when there is none or
// policy asks for exact matches only.
func (v versioner) equivalentRule(ctx context.Context, policy *admissionregistrationv1.MatchPolicyType, a *registry.Attributes, n int, covers func(i int, override *registry.Attributes) bool) (m equivalentMatch, ok bool, err error) {
	if v.equivalents == nil || n == 0 || policy == nil || *policy != admissionregistrationv1.Equivalent {
		return m, false, nil
	}
	equivalents, err := v.equivalents(ctx, a.Resource)
	if err != nil || len(equivalents) == 0 {
		return m, false, err
	}
	equivalents = slices.DeleteFunc(slices.Clone(equivalents), func(e *registry.Resource) bool {
		return e.GroupVersionResource() == a.Resource.GroupVersionResource() ||
			a.Subresource != "" && !slices.Contains(e.Subresources, a.Subresource)
	})
	for i := range n {
		for _, e := range equivalents {
			override := *a
			override.Resource = e
			if covers(i, &override) {
				return equivalentMatch{resource: e, kind: equivalentKind(a, e)}, true, nil
			}
		}
	}
	return m, false, nil
}

// equivalentRule is the equivalent resource one of h's rules names.
func (w *Webhooks) equivalentRule(ctx context.Context, h *hook, a *registry.Attributes) (equivalentMatch, bool, error) {
	return w.conv.equivalentRule(ctx, h.matchPolicy, a, len(h.rules), func(i int, o *registry.Attributes) bool { return ruleCovers(h.rules[i], o) })
}

// equivalentKind is the kind a's object takes under resource e: e's kind for the
// object and subresources of its own kind (status), the subresource's kind otherwise
// (a Scale is an autoscaling/v1 Scale under every version).
func equivalentKind(a *registry.Attributes, e *registry.Resource) schema.GroupVersionKind {
	if k := kindOf(a); k != a.Resource.GroupVersionKind() {
		return k
	}
	return e.GroupVersionKind()
}

// versioned returns a as the request for the equivalent m: a copy whose resource and
// kind are m's and whose objects are converted to m's kind.
func (v versioner) versioned(ctx context.Context, a *registry.Attributes, m equivalentMatch) (*registry.Attributes, error) {
	out := *a
	out.Resource, out.Kind = m.resource, m.kind
	var err error
	if a.Operation == admissionregistrationv1.Connect {
		return &out, nil // the object is the connect options, the same everywhere
	}
	if out.Object, err = v.convert(ctx, a.Object, a.Resource, kindOf(a), m.resource, m.kind); err != nil {
		return nil, err
	}
	if out.OldObject, err = v.convert(ctx, a.OldObject, a.Resource, kindOf(a), m.resource, m.kind); err != nil {
		return nil, err
	}
	return &out, nil
}

// convertBack makes a's object what the webhook left in va's (after a patch), in
// place.
func (v versioner) convertBack(ctx context.Context, a, va *registry.Attributes) error {
	back, err := v.convert(ctx, va.Object, va.Resource, va.Kind, a.Resource, kindOf(a))
	if err != nil {
		return err
	}
	data, err := encodeObject(back, kindOf(a))
	if err != nil {
		return err
	}
	return replaceObject(a.Object, data)
}

// convert returns a copy of obj, an object of kind from under resource fr, converted
// to kind to under resource tr. Custom resources convert as their definition says
// (CustomConverter); built-in ones through the form both versions are stored in
// (registry.StorageForm), which is what makes them equivalent.
func (v versioner) convert(ctx context.Context, obj runtime.Object, fr *registry.Resource, from schema.GroupVersionKind, tr *registry.Resource, to schema.GroupVersionKind) (runtime.Object, error) {
	if obj == nil || (reflect.ValueOf(obj).Kind() == reflect.Pointer && reflect.ValueOf(obj).IsNil()) {
		return nil, nil
	}
	if from == to {
		return obj.DeepCopyObject(), nil
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		out := u.DeepCopy()
		out.SetGroupVersionKind(from)
		if v.custom != nil {
			if err := v.custom(ctx, out, to.GroupVersion()); err != nil {
				return nil, err
			}
		} else {
			out.SetAPIVersion(to.GroupVersion().String())
		}
		out.SetKind(to.Kind)
		return out, nil
	}
	stored := obj
	var err error
	if fr.Storage != nil {
		if stored, err = fr.Storage.ToStorage(obj); err != nil {
			return nil, fmt.Errorf("converting %v to its stored form: %w", from, err)
		}
	}
	out := stored
	if tr.Storage != nil {
		if out, err = tr.Storage.FromStorage(stored); err != nil {
			return nil, fmt.Errorf("converting to %v: %w", to, err)
		}
	}
	if tr.New == nil || reflect.TypeOf(out) != reflect.TypeOf(tr.New()) {
		return nil, fmt.Errorf("unable to convert %v to %v", from, to)
	}
	if out == obj {
		out = obj.DeepCopyObject()
	}
	return out, nil
}

// convertMap converts m, the object of request from as a CEL map, to the kind of
// request to, as a CEL map with apiVersion and kind set.
func (v versioner) convertMap(ctx context.Context, m map[string]any, from, to *registry.Attributes) (map[string]any, error) {
	var obj runtime.Object
	if _, ok := from.Object.(*unstructured.Unstructured); ok {
		obj = &unstructured.Unstructured{Object: m}
	} else {
		obj = reflect.New(reflect.TypeOf(from.Object).Elem()).Interface().(runtime.Object)
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, obj); err != nil {
			return nil, err
		}
	}
	out, err := v.convert(ctx, obj, from.Resource, kindOf(from), to.Resource, kindOf(to))
	if err != nil {
		return nil, err
	}
	u, err := unstructuredOf(out)
	if err != nil {
		return nil, err
	}
	um := u.(map[string]any)
	gvk := kindOf(to)
	um["apiVersion"], um["kind"] = gvk.GroupVersion().String(), gvk.Kind
	return um, nil
}
