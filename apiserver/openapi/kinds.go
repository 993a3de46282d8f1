package openapi

import (
	"cmp"
	"reflect"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// kinds are the group-version-kinds each Go type is served as: what the
// x-kubernetes-group-version-kind extension of its definition lists, and how kubectl
// finds the schema of an object from its apiVersion and kind.
type kinds map[reflect.Type][]schema.GroupVersionKind

func (k kinds) add(t reflect.Type, gvk schema.GroupVersionKind) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !slices.Contains(k[t], gvk) {
		k[t] = append(k[t], gvk)
	}
}

// shared are the meta types every group version serves (DeleteOptions and WatchEvent
// are registered in each): a document lists them under core/v1 and the group versions
// it covers.
func shared() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[metav1.DeleteOptions](), reflect.TypeFor[metav1.WatchEvent]()}
}

// servedKinds indexes the kinds of resources: each resource's object and list, the
// objects of its subresources, and the meta kinds of core/v1. The shared meta types are
// listed under core/v1 only; documents add their group versions.
func servedKinds(resources []*registry.Resource) kinds {
	k := kinds{}
	core := schema.GroupVersion{Version: "v1"}
	for _, t := range []reflect.Type{
		reflect.TypeFor[metav1.Status](), reflect.TypeFor[metav1.APIVersions](), reflect.TypeFor[metav1.APIGroupList](),
		reflect.TypeFor[metav1.APIGroup](), reflect.TypeFor[metav1.APIResourceList](),
	} {
		k.add(t, core.WithKind(t.Name()))
	}
	for _, t := range shared() {
		k.add(t, core.WithKind(t.Name()))
	}
	subKinds := subresourceKinds()
	for _, r := range resources {
		k.add(reflect.TypeOf(r.New()), r.GroupVersionKind())
		if r.NewList != nil {
			gvk := r.GroupVersionKind()
			gvk.Kind += "List"
			k.add(reflect.TypeOf(r.NewList()), gvk)
		}
		for _, sub := range r.Subresources {
			if sk, ok := subKinds[sub]; ok {
				k.add(sk.typ, sk.gvk)
			}
		}
	}
	return k
}

// forDocument returns the index a document covering the group versions gvs uses: the
// shared meta types gain an entry per group version.
func (k kinds) forDocument(gvs []schema.GroupVersion) kinds {
	out := make(kinds, len(k))
	for t, list := range k {
		out[t] = slices.Clone(list)
	}
	for _, t := range shared() {
		for _, gv := range gvs {
			out.add(t, gv.WithKind(t.Name()))
		}
		slices.SortFunc(out[t], func(a, b schema.GroupVersionKind) int {
			return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version))
		})
	}
	return out
}

// gvkExtension is the value of x-kubernetes-group-version-kind for one kind.
func gvkExtension(gvk schema.GroupVersionKind) map[string]any {
	return map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}
