package customresource

import (
	"context"
	"fmt"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/spec3"

	"kite/apiserver/registry"
	"kite/apiserver/webhookclient"
	"kite/storage"
)

// Served is one served version of a custom resource: what the REST handler,
// discovery and OpenAPI publish.
type Served struct {
	// Store keeps the version's objects.
	Store *registry.Store
	// Serializer encodes and decodes the version's objects for clients (JSON, YAML).
	Serializer runtime.NegotiatedSerializer
	// CRD is the definition as it was when the version was built; Version names the
	// version in it.
	CRD     *apiextensionsv1.CustomResourceDefinition
	Version string
	// TypeConverter is the version's schema for server-side apply; nil when it could
	// not be built (applies then fail, as upstream's do for such a schema).
	TypeConverter managedfields.TypeConverter
	// Actions are the version's subresources with their own code (scale).
	Actions []*registry.Action
	// v3 is the version's OpenAPI 3.0 document, built once with the Store.
	v3 *spec3.OpenAPI
	// storage is the Store's storage; closing it lets the Store go.
	storage *closableStorage
}

// storeConfig is what building a version's Store needs from the server.
type storeConfig struct {
	storage        storage.Interface
	scheme         *runtime.Scheme
	namespaceCheck func(ctx context.Context, namespace string, gr schema.GroupResource, name string) error
	webhooks       registry.Webhooks
	// resolve finds a conversion webhook's Service.
	resolve webhookclient.ResolveFunc
}

// storageVersion is the definition's storage version.
func storageVersion(crd *apiextensionsv1.CustomResourceDefinition) string {
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return v.Name
		}
	}
	return ""
}

// buildVersion makes the Store and serializer of one version of crd, named by its
// accepted names.
func buildVersion(cfg storeConfig, crd *apiextensionsv1.CustomResourceDefinition, v *apiextensionsv1.CustomResourceDefinitionVersion) (*Served, error) {
	names := crd.Status.AcceptedNames
	k := kinds{
		gvk:      schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: names.Kind},
		listKind: names.ListKind,
		storage:  schema.GroupVersion{Group: crd.Spec.Group, Version: storageVersion(crd)},
	}
	vs, err := newVersionSchema(crd, v)
	if err != nil {
		return nil, err
	}
	t, err := newTable(v.AdditionalPrinterColumns)
	if err != nil {
		return nil, fmt.Errorf("customresource: %s %s: %w", crd.Name, v.Name, err)
	}
	strat := &Strategy{kinds: k, schema: vs, table: t}
	var subresources []string
	if sr := v.Subresources; sr != nil {
		if sr.Status != nil {
			strat.status = true
			subresources = append(subresources, "status")
		}
		if sr.Scale != nil {
			subresources = append(subresources, "scale")
		}
	}
	for _, f := range v.SelectableFields {
		strat.selectable = append(strat.selectable, newSelectableField(f.JSONPath))
	}
	res := &registry.Resource{
		Group:        crd.Spec.Group,
		Version:      v.Name,
		Resource:     names.Plural,
		Kind:         names.Kind,
		SingularName: names.Singular,
		Namespaced:   crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		ShortNames:   slices.Clone(names.ShortNames),
		Categories:   slices.Clone(names.Categories),
		Subresources: subresources,
		New:          func() runtime.Object { return &unstructured.Unstructured{} },
		NewList:      func() runtime.Object { return &unstructured.UnstructuredList{} },
		Strategy:     strat,
	}
	if res.SingularName == "" {
		res.SingularName = names.Plural
	}
	cs := newClosableStorage(cfg.storage)
	st, err := registry.NewStore(registry.StoreConfig{
		Resource:       res,
		Storage:        cs,
		Scheme:         cfg.scheme,
		NamespaceCheck: cfg.namespaceCheck,
		Webhooks:       cfg.webhooks,
		Codec:          &storageCodec{kinds: k, schema: vs, convert: newConverter(crd, cfg.resolve)},
		// Upstream's layout: every version shares the objects, under the group's name.
		KeyRoot: "/registry/" + crd.Spec.Group + "/" + names.Plural + "/",
	})
	if err != nil {
		return nil, err
	}
	out := &Served{Store: st, Serializer: newSerializer(k, vs), CRD: crd, Version: v.Name, storage: cs}
	if v.Subresources != nil && v.Subresources.Scale != nil {
		a, err := scaleAction(st, v.Subresources.Scale)
		if err != nil {
			return nil, fmt.Errorf("customresource: %s %s: %w", crd.Name, v.Name, err)
		}
		out.Actions = append(out.Actions, a)
	}
	// Upstream's builder gives the OpenAPI document, and its schemas are what server-side
	// apply types objects by.
	if out.v3, err = guard(func() (*spec3.OpenAPI, error) {
		return builder.BuildOpenAPIV3(crd, v.Name, builder.Options{IncludeSelectableFields: true})
	}); err != nil {
		return nil, fmt.Errorf("customresource: OpenAPI v3 of %s %s: %w", crd.Name, v.Name, err)
	}
	if out.v3.Components != nil {
		if out.TypeConverter, err = managedfields.NewTypeConverter(out.v3.Components.Schemas, false); err != nil {
			out.TypeConverter = nil
		}
	}
	return out, nil
}
