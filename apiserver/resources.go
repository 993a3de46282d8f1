package apiserver

import (
	"context"
	"fmt"
	"net"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/admission"
	"kite/apiserver/registry"
	"kite/apiserver/registry/certificatesigningrequest"
	"kite/apiserver/registry/clustertrustbundle"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/controllerrevision"
	"kite/apiserver/registry/cronjob"
	"kite/apiserver/registry/csidriver"
	"kite/apiserver/registry/csinode"
	"kite/apiserver/registry/csistoragecapacity"
	"kite/apiserver/registry/daemonset"
	"kite/apiserver/registry/deployment"
	"kite/apiserver/registry/deviceclass"
	"kite/apiserver/registry/devicetaintrule"
	"kite/apiserver/registry/endpoints"
	"kite/apiserver/registry/endpointslice"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/flowcontrol"
	"kite/apiserver/registry/flowschema"
	"kite/apiserver/registry/ingress"
	"kite/apiserver/registry/ingressclass"
	"kite/apiserver/registry/ipaddress"
	"kite/apiserver/registry/job"
	"kite/apiserver/registry/lease"
	"kite/apiserver/registry/limitrange"
	"kite/apiserver/registry/mutatingadmissionpolicy"
	"kite/apiserver/registry/mutatingadmissionpolicybinding"
	"kite/apiserver/registry/mutatingwebhookconfiguration"
	"kite/apiserver/registry/namespace"
	"kite/apiserver/registry/networkpolicy"
	"kite/apiserver/registry/node"
	"kite/apiserver/registry/persistentvolume"
	"kite/apiserver/registry/persistentvolumeclaim"
	"kite/apiserver/registry/pod"
	"kite/apiserver/registry/podcertificaterequest"
	"kite/apiserver/registry/podtemplate"
	"kite/apiserver/registry/priorityclass"
	"kite/apiserver/registry/prioritylevelconfiguration"
	"kite/apiserver/registry/replicaset"
	"kite/apiserver/registry/replicationcontroller"
	"kite/apiserver/registry/resourceclaim"
	"kite/apiserver/registry/resourceclaimtemplate"
	"kite/apiserver/registry/resourcequota"
	"kite/apiserver/registry/resourceslice"
	"kite/apiserver/registry/runtimeclass"
	"kite/apiserver/registry/secret"
	"kite/apiserver/registry/service"
	"kite/apiserver/registry/serviceaccount"
	"kite/apiserver/registry/servicecidr"
	"kite/apiserver/registry/statefulset"
	"kite/apiserver/registry/storageclass"
	"kite/apiserver/registry/storageversionmigration"
	"kite/apiserver/registry/validatingadmissionpolicy"
	"kite/apiserver/registry/validatingadmissionpolicybinding"
	"kite/apiserver/registry/validatingwebhookconfiguration"
	"kite/apiserver/registry/volumeattachment"
	"kite/apiserver/registry/volumeattributesclass"
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
		pod.Resource(),
		podtemplate.Resource(),
		replicationcontroller.Resource(),
		deployment.Resource(),
		replicaset.Resource(),
		statefulset.Resource(),
		daemonset.Resource(),
		controllerrevision.Resource(),
		job.Resource(),
		cronjob.Resource(),
		storageclass.Resource(),
		csidriver.Resource(),
		csinode.Resource(),
		csistoragecapacity.Resource(),
		volumeattachment.Resource(),
		volumeattributesclass.Resource(),
		endpointslice.Resource(),
		validatingwebhookconfiguration.Resource(),
		mutatingwebhookconfiguration.Resource(),
		validatingadmissionpolicy.Resource(),
		validatingadmissionpolicybinding.Resource(),
		mutatingadmissionpolicy.Resource(),
		mutatingadmissionpolicybinding.Resource(),
		flowschema.Resource(),
		prioritylevelconfiguration.Resource(),
		storageversionmigration.Resource(),
		certificatesigningrequest.Resource(),
		clustertrustbundle.Resource(),
		podcertificaterequest.Resource(),
		servicecidr.Resource(),
		ipaddress.Resource(),
		deviceclass.Resource(),
		resourceclaim.Resource(),
		resourceclaimtemplate.Resource(),
		resourceslice.Resource(),
		devicetaintrule.Resource(),
		service.Resource(),
		endpoints.Resource(),
		node.Resource(),
		persistentvolume.Resource(),
		persistentvolumeclaim.Resource(),
		resourcequota.Resource(),
		limitrange.Resource(),
		lease.Resource(),
		priorityclass.Resource(),
		runtimeclass.Resource(),
		ingress.Resource(),
		ingressclass.Resource(),
		networkpolicy.Resource(),
	}
}

// resourceStores builds one Store per resource, with the checks that need other
// resources: the namespaces Store guards the others' creates, as upstream's
// NamespaceLifecycle admission does, and pods go through ServiceAccount (token mount),
// RuntimeClass and LimitRanger admission.
func resourceStores(st storage.Interface, scheme *runtime.Scheme) ([]*registry.Store, error) {
	var stores []*registry.Store
	// get reads an object of another resource; the stores all exist by the time a
	// request calls it.
	get := func(ctx context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error) {
		s := storeOf(stores, gr)
		if s == nil {
			return nil, fmt.Errorf("apiserver: no %s resource", gr)
		}
		return s.Get(ctx, ns, name, metav1.GetOptions{})
	}
	namespaceCheck := func(ctx context.Context, ns string, gr schema.GroupResource, name string) error {
		obj, err := get(ctx, schema.GroupResource{Resource: "namespaces"}, "", ns)
		if err != nil {
			return err
		}
		if obj.(*corev1.Namespace).Status.Phase == corev1.NamespaceTerminating {
			return apierrors.NewForbidden(gr, name,
				fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
		}
		return nil
	}
	runtimeClass := admission.RuntimeClass(func(ctx context.Context, name string) (*nodev1.RuntimeClass, error) {
		obj, err := get(ctx, schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"}, "", name)
		if err != nil {
			return nil, err
		}
		return obj.(*nodev1.RuntimeClass), nil
	})
	serviceAccount := admission.ServiceAccount(func(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
		obj, err := get(ctx, schema.GroupResource{Resource: "serviceaccounts"}, ns, name)
		if err != nil {
			return nil, err
		}
		return obj.(*corev1.ServiceAccount), nil
	})
	limitRanger := admission.LimitRanger(func(ctx context.Context, ns string) ([]corev1.LimitRange, error) {
		s := storeOf(stores, schema.GroupResource{Resource: "limitranges"})
		if s == nil {
			return nil, nil
		}
		l, err := s.List(ctx, ns, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		return l.(*corev1.LimitRangeList).Items, nil
	})
	for _, r := range builtinResources() {
		cfg := registry.StoreConfig{Resource: r, Storage: st, Scheme: scheme, NamespaceCheck: namespaceCheck}
		if r.Group == "" && r.Resource == "pods" {
			cfg.Admit = admission.Chain(serviceAccount, runtimeClass, limitRanger)
		}
		s, err := registry.NewStore(cfg)
		if err != nil {
			return nil, err
		}
		stores = append(stores, s)
	}
	return stores, nil
}

// bootstrap creates what a cluster has from its first start: the system namespaces,
// the system priority classes, the mandatory flow-control objects, the default
// ServiceCIDR, and the kubernetes Service (kept up to date with the server's address and
// port).
func bootstrap(ctx context.Context, stores []*registry.Store, advertise net.IP, port int) error {
	var objects []runtime.Object
	// The namespaces every cluster has from its first start, as upstream's.
	for _, name := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease} {
		objects = append(objects, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	for _, pc := range priorityclass.SystemPriorityClasses() {
		objects = append(objects, pc)
	}
	objects = append(objects, flowcontrol.Bootstrap()...)
	for _, obj := range objects {
		s := storeFor(stores, obj)
		if s == nil {
			return fmt.Errorf("apiserver: no store for %T", obj)
		}
		acc, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		_, err = s.Create(ctx, acc.GetNamespace(), obj, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("apiserver: create %s %s: %w", s.Resource().Resource, acc.GetName(), err)
		}
	}
	if err := defaultServiceCIDR(ctx, stores); err != nil {
		return err
	}
	for _, obj := range kubernetesService(advertise, port) {
		s := storeFor(stores, obj)
		if s == nil {
			return fmt.Errorf("apiserver: no store for %T", obj)
		}
		if err := reconcile(ctx, s, metav1.NamespaceDefault, "kubernetes", obj); err != nil {
			return fmt.Errorf("apiserver: %s kubernetes: %w", s.Resource().Resource, err)
		}
	}
	return nil
}

// storeOf returns the store of resource gr, nil when it is not served.
func storeOf(stores []*registry.Store, gr schema.GroupResource) *registry.Store {
	for _, s := range stores {
		if s.Resource().GroupResource() == gr {
			return s
		}
	}
	return nil
}

// storeFor returns the store whose resource has obj's Go type.
func storeFor(stores []*registry.Store, obj runtime.Object) *registry.Store {
	for _, s := range stores {
		if reflect.TypeOf(s.Resource().New()) == reflect.TypeOf(obj) {
			return s
		}
	}
	return nil
}

// defaultServiceCIDR creates the Service range and marks it Ready, as upstream's
// default-ServiceCIDR controller does; a create clears status, so the status is written
// through /status.
func defaultServiceCIDR(ctx context.Context, stores []*registry.Store) error {
	want := servicecidr.DefaultServiceCIDR()
	s := storeFor(stores, want)
	if s == nil {
		return fmt.Errorf("apiserver: no store for %T", want)
	}
	_, err := s.Create(ctx, "", want.DeepCopy(), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("apiserver: create servicecidr %s: %w", want.Name, err)
	}
	_, err = s.UpdateWith(ctx, "", want.Name, func(cur runtime.Object) (runtime.Object, error) {
		cur.(*networkingv1.ServiceCIDR).Status = want.Status
		return cur, nil
	}, metav1.UpdateOptions{}, "status")
	return err
}
