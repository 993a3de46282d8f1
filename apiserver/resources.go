package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/namespace"
	"kite/apiserver/registry/secret"
	"kite/apiserver/registry/serviceaccount"
	"kite/storage"
)

// builtinResources are the resources Kite serves.
func builtinResources() []*registry.Resource {
	return []*registry.Resource{
		namespace.Resource(),
		configmap.Resource(),
		secret.Resource(),
		serviceaccount.Resource(),
		event.Resource(),
	}
}

// systemNamespaces exist from the first start, as upstream's.
var systemNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}

// resourceStores builds one Store per resource; the namespaces Store also guards the
// others' creates, as upstream's NamespaceLifecycle admission does.
func resourceStores(st storage.Interface, scheme *runtime.Scheme) (stores []*registry.Store, namespaces *registry.Store, err error) {
	var check func(ctx context.Context, ns string, gr schema.GroupResource, name string) error
	for _, r := range builtinResources() {
		s, err := registry.NewStore(registry.StoreConfig{Resource: r, Storage: st, Scheme: scheme,
			NamespaceCheck: func(ctx context.Context, ns string, gr schema.GroupResource, name string) error {
				return check(ctx, ns, gr, name)
			}})
		if err != nil {
			return nil, nil, err
		}
		if r.Group == "" && r.Resource == "namespaces" {
			namespaces = s
		}
		stores = append(stores, s)
	}
	if namespaces == nil {
		return nil, nil, fmt.Errorf("apiserver: no namespaces resource")
	}
	check = func(ctx context.Context, ns string, gr schema.GroupResource, name string) error {
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
	return stores, namespaces, nil
}

// bootstrap creates what a cluster has from its first start.
func bootstrap(ctx context.Context, namespaces *registry.Store) error {
	for _, name := range systemNamespaces {
		_, err := namespaces.Create(ctx, "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("apiserver: create namespace %s: %w", name, err)
		}
	}
	return nil
}
