package admission

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
	"kite/apiserver/registry/customresourcedefinition"
)

// ServedEquivalents is the Equivalents of a server that serves the built-in resources
// builtin and the custom resources of the definitions that definitions lists, as
// upstream's registry of equivalent resources keys resources by where they are
// stored:
//   - built-in resources are equivalent when they keep the same stored objects: the
//     same resource name in the group of their stored form (registry.StorageForm), so
//     autoscaling/v1 and v2 horizontalpodautoscalers, core/v1 and events.k8s.io/v1
//     events; in the order builtin lists them;
//   - a custom resource's equivalents are the served versions of its established
//     definition, in the definition's order, whatever its conversion strategy. Objects
//     of a definition converted by a webhook reach the matched version through
//     WebhookConfig.ConvertCustom and Source.ConvertCustom, which must then be set
//     (without them only apiVersion would change).
//
// definition reads the CustomResourceDefinition of a group and resource (nil when
// there is none); the caller does not change what it returns.
func ServedEquivalents(builtin []*registry.Resource, definition func(ctx context.Context, gr schema.GroupResource) (*apiextensionsv1.CustomResourceDefinition, error)) Equivalents {
	classes := map[schema.GroupResource][]*registry.Resource{}
	for _, r := range builtin {
		k := storedAs(r)
		classes[k] = append(classes[k], r)
	}
	return func(ctx context.Context, r *registry.Resource) ([]*registry.Resource, error) {
		if class, ok := classes[storedAs(r)]; ok {
			if len(class) < 2 {
				return nil, nil
			}
			return class, nil
		}
		if definition == nil {
			return nil, nil
		}
		crd, err := definition(ctx, r.GroupResource())
		if err != nil || crd == nil {
			return nil, err
		}
		if crd.Spec.Group == r.Group && crd.Status.AcceptedNames.Plural == r.Resource && customresourcedefinition.IsTrue(crd, apiextensionsv1.Established) {
			return customEquivalents(crd), nil
		}
		return nil, nil
	}
}

// storedAs names where r's objects are kept: its resource in the group of its stored
// form.
func storedAs(r *registry.Resource) schema.GroupResource {
	if r.Storage != nil {
		return schema.GroupResource{Group: r.Storage.GroupVersion.Group, Resource: r.Resource}
	}
	return r.GroupResource()
}

// customEquivalents describes the served versions of crd, as its Stores do (the
// group, version, names, scope and subresources matching and conversion need).
func customEquivalents(crd *apiextensionsv1.CustomResourceDefinition) []*registry.Resource {
	names := crd.Status.AcceptedNames
	var out []*registry.Resource
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		var subresources []string
		if sr := v.Subresources; sr != nil {
			if sr.Status != nil {
				subresources = append(subresources, "status")
			}
			if sr.Scale != nil {
				subresources = append(subresources, "scale")
			}
		}
		out = append(out, &registry.Resource{
			Group: crd.Spec.Group, Version: v.Name, Resource: names.Plural, Kind: names.Kind, SingularName: names.Singular,
			Namespaced:   crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
			Subresources: subresources,
			New:          func() runtime.Object { return &unstructured.Unstructured{} },
		})
	}
	if len(out) < 2 {
		return nil
	}
	return out
}
