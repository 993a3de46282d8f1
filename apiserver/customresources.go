package apiserver

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	corev1 "k8s.io/api/core/v1"

	"kite/apiserver/customresource"
	"kite/apiserver/handlers"
	"kite/apiserver/registry"
)

var crdResource = schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}

// customResourceManager makes the manager that serves custom resources: it publishes
// each new set to the REST handler and discovery.
func (s *Server) customResourceManager(scheme *runtime.Scheme, stores []*registry.Store, rest *handlers.CustomResources) (*customresource.Manager, error) {
	crds := storeOf(stores, crdResource)
	namespaces := storeOf(stores, schema.GroupResource{Resource: "namespaces"})
	if crds == nil || namespaces == nil {
		return nil, fmt.Errorf("apiserver: no %s or namespaces store", crdResource)
	}
	namespaceCheck := func(ctx context.Context, ns string, gr schema.GroupResource, name string) error {
		obj, err := namespaces.Get(ctx, "", ns, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if obj.(*corev1.Namespace).Status.Phase == corev1.NamespaceTerminating {
			return apierrors.NewForbidden(gr, name,
				fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
		}
		return nil
	}
	lookup := func(gr schema.GroupResource) *registry.Store { return storeOf(stores, gr) }
	get := func(ctx context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error) {
		st := lookup(gr)
		if st == nil {
			return nil, fmt.Errorf("apiserver: no %s resource", gr)
		}
		return st.Get(ctx, ns, name, metav1.GetOptions{})
	}
	list := storeLister(lookup)
	webhooks, err := admissionWebhooks(lookup, get)
	if err != nil {
		return nil, err
	}
	return customresource.New(customresource.Config{
		Definitions:    crds,
		Storage:        s.cfg.Store,
		Scheme:         scheme,
		NamespaceCheck: namespaceCheck,
		Webhooks:       webhooks,
		ResolveWebhook: serviceResolver(list, get).Resolve,
		Logger:         s.logger,
		Publish: func(served []*customresource.Served) error {
			crs := make([]handlers.CustomResource, len(served))
			resources := make([]*registry.Resource, len(served))
			for i, sv := range served {
				crs[i] = handlers.CustomResource{Store: sv.Store, Serializer: sv.Serializer, TypeConverter: sv.TypeConverter, Actions: sv.Actions}
				resources[i] = sv.Store.Resource()
			}
			// The REST handler first: a client that finds a resource in discovery can
			// use it at once.
			if err := rest.Set(crs); err != nil {
				return err
			}
			// Served already: a document that cannot be built is logged, not undone.
			// Discovery before OpenAPI, so a client that saw a schema published (as the
			// conformance specs wait for) also finds the resource.
			if err := s.discovery.SetExtra(resources); err != nil {
				s.logger.Error("publishing the custom resources in discovery failed", "err", err)
			}
			doc, err := customresource.OpenAPI(served)
			if err != nil {
				s.logger.Error("building the OpenAPI of custom resources failed", "err", err)
				return nil
			}
			s.openapi.SetCustom(doc)
			s.syncCustomAPIServices(served)
			return nil
		},
	})
}
