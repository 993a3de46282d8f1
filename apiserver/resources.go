package apiserver

import (
	"context"
	"fmt"
	"net"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/admission"
	"kite/apiserver/registry"
	"kite/apiserver/registry/apiservice"
	"kite/apiserver/registry/certificatesigningrequest"
	"kite/apiserver/registry/clustertrustbundle"
	"kite/apiserver/registry/componentstatus"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/controllerrevision"
	"kite/apiserver/registry/cronjob"
	"kite/apiserver/registry/csidriver"
	"kite/apiserver/registry/csinode"
	"kite/apiserver/registry/csistoragecapacity"
	"kite/apiserver/registry/customresourcedefinition"
	"kite/apiserver/registry/daemonset"
	"kite/apiserver/registry/deployment"
	"kite/apiserver/registry/deviceclass"
	"kite/apiserver/registry/devicetaintrule"
	"kite/apiserver/registry/endpoints"
	"kite/apiserver/registry/endpointslice"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/flowcontrol"
	"kite/apiserver/registry/flowschema"
	"kite/apiserver/registry/horizontalpodautoscaler"
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
	"kite/apiserver/registry/poddisruptionbudget"
	"kite/apiserver/registry/podtemplate"
	"kite/apiserver/registry/priorityclass"
	"kite/apiserver/registry/prioritylevelconfiguration"
	"kite/apiserver/registry/rbac"
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
		event.EventsResource(),
		horizontalpodautoscaler.Resource(),
		horizontalpodautoscaler.ResourceV1(),
		poddisruptionbudget.Resource(),
		rbac.RoleResource(),
		rbac.RoleBindingResource(),
		rbac.ClusterRoleResource(),
		rbac.ClusterRoleBindingResource(),
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
		customresourcedefinition.Resource(),
		apiservice.Resource(),
	}
}

// resourceStores builds one Store per resource, with the checks that need other
// resources: the namespaces Store guards the others' creates, as upstream's
// NamespaceLifecycle admission does, and pods go through ServiceAccount (token mount),
// RuntimeClass, LimitRanger and Priority admission.
func resourceStores(st storage.Interface, scheme *runtime.Scheme) ([]*registry.Store, error) {
	var stores []*registry.Store
	// get reads an object of another resource; the stores all exist by the time a
	// request calls it. As upstream's admission plugins read their informers' caches
	// and look up live only what the cache lacks, it asks the watch cache first (any
	// revision) and the store only on a miss: a namespace created a moment ago may not
	// have reached the cache yet, and must not make creates in it fail.
	get := func(ctx context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error) {
		s := storeOf(stores, gr)
		if s == nil {
			return nil, fmt.Errorf("apiserver: no %s resource", gr)
		}
		if obj, err := s.Get(ctx, ns, name, metav1.GetOptions{ResourceVersion: "0"}); err == nil {
			return obj, nil
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
	runtimeClass, checkRuntimeClass := admission.RuntimeClass(func(ctx context.Context, name string) (*nodev1.RuntimeClass, error) {
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
	limitRanger, checkLimits := admission.LimitRanger(func(ctx context.Context, ns string) ([]corev1.LimitRange, error) {
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
	priorityClasses := schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}
	priority, checkPriorityClass := admission.Priority(func(ctx context.Context, name string) (*schedulingv1.PriorityClass, error) {
		obj, err := get(ctx, priorityClasses, "", name)
		if err != nil {
			return nil, err
		}
		return obj.(*schedulingv1.PriorityClass), nil
	}, func(ctx context.Context) ([]schedulingv1.PriorityClass, error) {
		s := storeOf(stores, priorityClasses)
		if s == nil {
			return nil, nil
		}
		l, err := s.List(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return nil, err
		}
		return l.(*schedulingv1.PriorityClassList).Items, nil
	})
	defaultStorageClass := admission.DefaultStorageClass(func(ctx context.Context) ([]storagev1.StorageClass, error) {
		s := storeOf(stores, schema.GroupResource{Group: "storage.k8s.io", Resource: "storageclasses"})
		if s == nil {
			return nil, nil
		}
		l, err := s.List(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return nil, err
		}
		return l.(*storagev1.StorageClassList).Items, nil
	})
	lookup := func(gr schema.GroupResource) *registry.Store { return storeOf(stores, gr) }
	webhooks, err := admissionWebhooks(lookup, get)
	if err != nil {
		return nil, err
	}
	checkWebhookConfig, checkWebhookConfigUpdate, err := webhookConfigChecks(lookup)
	if err != nil {
		return nil, err
	}
	recheckPolicy, err := policyGenerationCheck(lookup)
	if err != nil {
		return nil, err
	}
	for _, r := range builtinResources() {
		cfg := registry.StoreConfig{Resource: r, Storage: st, Scheme: scheme, NamespaceCheck: namespaceCheck, Webhooks: webhooks}
		if gr := r.GroupResource(); gr == validatingWebhooksResource || gr == mutatingWebhooksResource || gr == policiesResource || gr == mutatingPoliciesResource {
			cfg.Admit, cfg.AdmitUpdate = checkWebhookConfig, checkWebhookConfigUpdate
			if gr == policiesResource {
				cfg.WriteHook = recheckPolicy // each new generation is type-checked again
			}
		}
		quota := admission.ResourceQuota(quotaStore{func() *registry.Store { return storeOf(stores, schema.GroupResource{Resource: "resourcequotas"}) }}, r.GroupResource(), nil)
		// Upstream's order: the built-in mutating steps (Admit), then the mutating
		// policies and webhooks (Webhooks.Mutate); after validation the built-in
		// validating steps (AdmitValidate), the validating policies and webhooks
		// (Webhooks.Validate), and quota last (AdmitQuota), so that policies and quota
		// judge what the webhooks made and nothing refused is charged.
		if r.Group == "" && r.Resource == "pods" {
			cfg.Admit = admission.Chain(serviceAccount, runtimeClass, limitRanger, admission.DefaultTolerationSeconds, priority)
			// The validating halves of LimitRanger and RuntimeClass judge the pod as the
			// mutating webhooks left it.
			cfg.AdmitValidate, cfg.AdmitQuota = admission.Chain(checkLimits, checkRuntimeClass), quota
			// Upstream's DefaultTolerationSeconds also admits updates: a pod update
			// that replaces the tolerations keeps the default ones.
			cfg.AdmitUpdate = func(ctx context.Context, obj, _ runtime.Object) error {
				return admission.DefaultTolerationSeconds(ctx, obj)
			}
		} else if r.Group == "" && r.Resource == "persistentvolumeclaims" {
			// DefaultStorageClass is a built-in mutating step: before the policies.
			cfg.Admit = defaultStorageClass
			cfg.AdmitQuota = quota
		} else if r.Namespaced && r.Resource != "events" {
			cfg.AdmitQuota = quota
		} else if r.GroupResource() == priorityClasses {
			cfg.AdmitValidate = checkPriorityClass
		}
		if r.GroupResource() == servicesResource {
			alloc, err := serviceAllocator(st, stores, nil)
			if err != nil {
				return nil, err
			}
			cfg.WriteHook = alloc.ServiceHook
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
// the system priority classes, the mandatory flow-control objects, the user-facing
// default RBAC roles and the cluster-admin binding, the default ServiceCIDR, and the
// kubernetes Service (kept up to date with the server's address and
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
	objects = append(objects, rbac.Bootstrap()...)
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

// subresourceActions builds the subresources served by their own code (scale, binding,
// eviction, log, proxy, ...) and the resources that are not stored (componentstatuses).
// Each action is built from the store of its parent resource; st backs the etcd-0
// component status.
func subresourceActions(st storage.Interface, stores []*registry.Store, nodes registry.NodeConnector) ([]*registry.Action, []*registry.Virtual, error) {
	if nodes == nil {
		nodes = registry.NoNodeAgent{}
	}
	var budgets pod.DisruptionBudgets
	if s := storeOf(stores, schema.GroupResource{Group: "policy", Resource: "poddisruptionbudgets"}); s != nil {
		budgets = budgetStore{s}
	}
	one := func(build func(*registry.Store) (*registry.Action, error)) func(*registry.Store) ([]*registry.Action, error) {
		return func(s *registry.Store) ([]*registry.Action, error) {
			a, err := build(s)
			return []*registry.Action{a}, err
		}
	}
	var actions []*registry.Action
	for _, a := range []struct {
		parent schema.GroupResource
		build  func(*registry.Store) ([]*registry.Action, error)
	}{
		{schema.GroupResource{Group: "apps", Resource: "deployments"}, one(deployment.ScaleAction)},
		{schema.GroupResource{Group: "apps", Resource: "replicasets"}, one(replicaset.ScaleAction)},
		{schema.GroupResource{Group: "apps", Resource: "statefulsets"}, one(statefulset.ScaleAction)},
		{schema.GroupResource{Resource: "replicationcontrollers"}, one(replicationcontroller.ScaleAction)},
		{schema.GroupResource{Resource: "pods"}, one(func(s *registry.Store) (*registry.Action, error) { return pod.BindingAction(s, nil) })},
		{schema.GroupResource{Resource: "pods"}, one(func(s *registry.Store) (*registry.Action, error) {
			return pod.EvictionAction(pod.EvictionConfig{Store: s, Budgets: budgets})
		})},
		{schema.GroupResource{Resource: "pods"}, one(pod.EphemeralContainersAction)},
		{schema.GroupResource{Resource: "pods"}, one(pod.ResizeAction)},
		{schema.GroupResource{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}, one(func(s *registry.Store) (*registry.Action, error) {
			return certificatesigningrequest.ApprovalAction(s, certificatesigningrequest.Strategy{})
		})},
		{schema.GroupResource{Resource: "pods"}, func(s *registry.Store) ([]*registry.Action, error) { return pod.ConnectActions(s, nodes) }},
		{schema.GroupResource{Resource: "nodes"}, one(func(s *registry.Store) (*registry.Action, error) { return node.ProxyAction(s, nodes) })},
		{schema.GroupResource{Resource: "services"}, one(func(s *registry.Store) (*registry.Action, error) { return service.ProxyAction(s, nodes) })},
	} {
		s := storeOf(stores, a.parent)
		if s == nil {
			return nil, nil, fmt.Errorf("apiserver: no %s resource", a.parent)
		}
		built, err := a.build(s)
		if err != nil {
			return nil, nil, err
		}
		admitConnects(built, s)
		admitWrites(built, s)
		actions = append(actions, built...)
	}

	// The components run in this process: the store answers for etcd, and the
	// controllers and scheduler are healthy while the server that runs them answers.
	inProcess := func(context.Context) (string, error) { return "ok", nil }
	cs, err := componentstatus.New(componentstatus.Config{Probes: []componentstatus.Probe{
		{Name: "scheduler", Check: inProcess},
		{Name: "controller-manager", Check: inProcess},
		{Name: "etcd-0", Check: func(ctx context.Context) (string, error) {
			if _, err := st.CurrentRevision(ctx); err != nil {
				return "", err
			}
			return "ok", nil
		}},
	}})
	if err != nil {
		return nil, nil, err
	}
	bindings, err := pod.BindingsResource(storeOf(stores, schema.GroupResource{Resource: "pods"}), nil)
	if err != nil {
		return nil, nil, err
	}
	virtuals := []*registry.Virtual{cs, bindings}
	return actions, virtuals, nil
}

// budgetStore is the PodDisruptionBudgets evictions read, from their store.
type budgetStore struct{ s *registry.Store }

func (b budgetStore) List(ctx context.Context, namespace string) ([]policyv1.PodDisruptionBudget, error) {
	l, err := b.s.List(ctx, namespace, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return l.(*policyv1.PodDisruptionBudgetList).Items, nil
}

func (b budgetStore) UpdateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
	_, err := b.s.Update(ctx, pdb.Namespace, pdb.Name, pdb, metav1.UpdateOptions{}, "status")
	return err
}

// quotaStore is the ResourceQuotas quota admission reads and charges, from their
// store (looked up at the request: it is made after the stores that use it).
type quotaStore struct{ s func() *registry.Store }

func (q quotaStore) List(ctx context.Context, namespace string, fresh bool) ([]corev1.ResourceQuota, error) {
	s := q.s()
	if s == nil {
		return nil, nil
	}
	opts := metav1.ListOptions{ResourceVersion: "0"}
	if fresh {
		opts.ResourceVersion = ""
	} else if s.CachedNone(namespace) {
		return nil, nil // most namespaces have no quota: no empty list to make
	}
	l, err := s.List(ctx, namespace, opts)
	if err != nil {
		return nil, err
	}
	return l.(*corev1.ResourceQuotaList).Items, nil
}

func (q quotaStore) UpdateStatus(ctx context.Context, rq *corev1.ResourceQuota) error {
	_, err := q.s().Update(ctx, rq.Namespace, rq.Name, rq, metav1.UpdateOptions{}, "status")
	return err
}
