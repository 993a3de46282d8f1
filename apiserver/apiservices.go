package apiserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"kite/apiserver/customresource"
	"kite/apiserver/discovery"
	"kite/apiserver/registry"
	"kite/apiserver/registry/apiservice"
)

var apiServicesResource = schema.GroupResource{Group: apiregistrationv1.GroupName, Resource: "apiservices"}

// builtinAPIServices returns the local APIServices of the built-in group versions
// among resources, as upstream's autoregistration registers one for each group version
// kube-apiserver serves that its priority table lists. The aggregator's own group has
// none, as upstream.
func builtinAPIServices(resources []*registry.Resource) []*apiregistrationv1.APIService {
	var out []*apiregistrationv1.APIService
	seen := map[schema.GroupVersion]bool{}
	for _, r := range resources {
		gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
		if seen[gv] || gv.Group == apiregistrationv1.GroupName {
			continue
		}
		seen[gv] = true
		group, version, ok := discovery.BuiltinPriority(gv)
		if !ok {
			continue
		}
		out = append(out, apiservice.Local(gv, int32(group), int32(version), apiservice.ManagedOnStart))
	}
	return out
}

// customAPIServices returns the local APIServices of the custom resource versions
// served, as upstream's CRD registration controller makes them.
func customAPIServices(served []schema.GroupVersion) []*apiregistrationv1.APIService {
	var out []*apiregistrationv1.APIService
	seen := map[schema.GroupVersion]bool{}
	for _, gv := range served {
		if seen[gv] {
			continue
		}
		seen[gv] = true
		out = append(out, apiservice.Local(gv, apiservice.CustomGroupPriority, apiservice.CustomVersionPriority, apiservice.ManagedAlways))
	}
	slices.SortFunc(out, func(a, b *apiregistrationv1.APIService) int {
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// crdVersions returns the group versions the stored definitions serve, for the start,
// before the custom resource manager has published its first set.
func crdVersions(ctx context.Context, crds *registry.Store) ([]schema.GroupVersion, error) {
	listed, err := crds.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []schema.GroupVersion
	for _, crd := range listed.(*apiextensionsv1.CustomResourceDefinitionList).Items {
		if crd.DeletionTimestamp != nil {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Served {
				out = append(out, schema.GroupVersion{Group: crd.Spec.Group, Version: v.Name})
			}
		}
	}
	return out, nil
}

// syncAPIServices brings the APIServices labelled managed to want: it creates the
// missing ones, corrects their specs and deletes those no longer wanted. A conflict or
// a race with another writer is left to the next sync.
func syncAPIServices(ctx context.Context, s *registry.Store, want []*apiregistrationv1.APIService, managed string) error {
	listed, err := s.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("apiserver: list apiservices: %w", err)
	}
	plan := apiservice.Plan(listed.(*apiregistrationv1.APIServiceList).Items, want, managed)
	var errs []error
	for _, a := range plan.Create {
		if _, err := s.Create(ctx, "", a, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			errs = append(errs, fmt.Errorf("create apiservice %s: %w", a.Name, err))
		}
	}
	for _, a := range plan.Update {
		if _, err := s.Update(ctx, "", a.Name, a, metav1.UpdateOptions{}, ""); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("update apiservice %s: %w", a.Name, err))
		}
	}
	for _, name := range plan.Delete {
		if _, _, err := s.Delete(ctx, "", name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete apiservice %s: %w", name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("apiserver: %w", errors.Join(errs...))
	}
	return nil
}

// bootstrapAPIServices writes the APIServices of the built-in group versions among
// resources and of the custom resource versions stored definitions serve.
func bootstrapAPIServices(ctx context.Context, stores []*registry.Store, resources []*registry.Resource) error {
	s := storeOf(stores, apiServicesResource)
	crds := storeOf(stores, crdResource)
	if s == nil || crds == nil {
		return fmt.Errorf("apiserver: no %s or %s store", apiServicesResource, crdResource)
	}
	if err := syncAPIServices(ctx, s, builtinAPIServices(resources), apiservice.ManagedOnStart); err != nil {
		return err
	}
	served, err := crdVersions(ctx, crds)
	if err != nil {
		return fmt.Errorf("apiserver: list customresourcedefinitions: %w", err)
	}
	return syncAPIServices(ctx, s, customAPIServices(served), apiservice.ManagedAlways)
}

// syncCustomAPIServices keeps one local APIService per served custom resource
// version, as upstream's CRD registration controller does. Failures are logged: the
// resources are served already, and the next change or restart writes them again.
func (s *Server) syncCustomAPIServices(served []*customresource.Served) {
	st := storeOf(s.stores, apiServicesResource)
	if st == nil {
		return
	}
	gvs := make([]schema.GroupVersion, len(served))
	for i, sv := range served {
		gvs[i] = schema.GroupVersion{Group: sv.Store.Resource().Group, Version: sv.Store.Resource().Version}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := syncAPIServices(ctx, st, customAPIServices(gvs), apiservice.ManagedAlways); err != nil {
		s.logger.Error("registering the APIServices of custom resources failed", "err", err)
	}
}
