package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kite/apiserver/admission"
	"kite/apiserver/customresource"
	"kite/apiserver/openapi"
	"kite/apiserver/registry"
	"kite/apiserver/webhookclient"
)

// The admission webhooks: every Store calls them (registry.StoreConfig.Webhooks), over
// the stored webhook configurations, reaching a webhook's Service at a ready endpoint
// from its EndpointSlices.

var (
	validatingWebhooksResource = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "validatingwebhookconfigurations"}
	mutatingWebhooksResource   = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "mutatingwebhookconfigurations"}
	endpointSlicesResource     = schema.GroupResource{Group: discoveryv1.GroupName, Resource: "endpointslices"}
)

// admissionWebhooks builds the webhook dispatcher. store finds a resource's store at
// the request (the stores are made after it); get reads one object as the other
// admission steps do. Configurations are read from the watch caches, as upstream's
// plugins read their informers: a new one takes effect within moments.
func admissionWebhooks(store func(schema.GroupResource) *registry.Store, get getFunc) (*admission.Webhooks, error) {
	list := storeLister(store)
	cached := metav1.ListOptions{ResourceVersion: "0"}
	none := func(gr schema.GroupResource) bool { return cachedNone(store, gr) }
	resolver := serviceResolver(list, get)
	// The admission policies run with the webhooks, on every write (see
	// admission.WebhookConfig).
	validating, err := validatingPolicies(store, get)
	if err != nil {
		return nil, err
	}
	mutating, err := mutatingPolicies(store, get)
	if err != nil {
		return nil, err
	}
	return admission.NewWebhooks(admission.WebhookConfig{
		ValidatingPolicies: validating,
		MutatingPolicies:   mutating,
		Mutating: func(ctx context.Context) ([]admissionregistrationv1.MutatingWebhookConfiguration, error) {
			if none(mutatingWebhooksResource) {
				return nil, nil
			}
			l, err := list(ctx, mutatingWebhooksResource, "", cached)
			if err != nil {
				return nil, err
			}
			return l.(*admissionregistrationv1.MutatingWebhookConfigurationList).Items, nil
		},
		Validating: func(ctx context.Context) ([]admissionregistrationv1.ValidatingWebhookConfiguration, error) {
			if none(validatingWebhooksResource) {
				return nil, nil
			}
			l, err := list(ctx, validatingWebhooksResource, "", cached)
			if err != nil {
				return nil, err
			}
			return l.(*admissionregistrationv1.ValidatingWebhookConfigurationList).Items, nil
		},
		Namespace: func(ctx context.Context, name string) (*corev1.Namespace, error) {
			obj, err := get(ctx, schema.GroupResource{Resource: "namespaces"}, "", name)
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Namespace), nil
		},
		Resolve: resolver.Resolve,
		// matchPolicy Equivalent: the built-in resources kept in one stored form and
		// the served versions of a custom resource.
		Equivalents:   admission.ServedEquivalents(builtinResources(), definition(store)),
		ConvertCustom: customConverter(store, get),
	})
}

// listFunc lists a resource's objects in a namespace ("": all).
type listFunc func(ctx context.Context, gr schema.GroupResource, ns string, opts metav1.ListOptions) (runtime.Object, error)

// storeLister lists through the store that store finds at the request; a resource the
// server does not have is an error.
func storeLister(store func(schema.GroupResource) *registry.Store) listFunc {
	return func(ctx context.Context, gr schema.GroupResource, ns string, opts metav1.ListOptions) (runtime.Object, error) {
		s := store(gr)
		if s == nil {
			return nil, fmt.Errorf("apiserver: no %s resource", gr)
		}
		return s.List(ctx, ns, opts)
	}
}

// cachedNone tells, without making an empty list, that the watch cache holds no object
// of the cluster-wide configuration gr: the answer at almost every write.
func cachedNone(store func(schema.GroupResource) *registry.Store, gr schema.GroupResource) bool {
	s := store(gr)
	return s != nil && s.CachedNone("")
}

// definitions lists the stored CustomResourceDefinitions from the watch cache; none
// when the server has no such resource.
func definitions(store func(schema.GroupResource) *registry.Store) func(ctx context.Context) ([]apiextensionsv1.CustomResourceDefinition, error) {
	return func(ctx context.Context) ([]apiextensionsv1.CustomResourceDefinition, error) {
		s := store(crdResource)
		if s == nil {
			return nil, nil
		}
		l, err := s.List(ctx, "", metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return nil, err
		}
		return l.(*apiextensionsv1.CustomResourceDefinitionList).Items, nil
	}
}

// definition reads the CustomResourceDefinition of gr from the watch cache, by its name
// (plural.group, which validation enforces), without copying it; nil when there is none.
func definition(store func(schema.GroupResource) *registry.Store) func(ctx context.Context, gr schema.GroupResource) (*apiextensionsv1.CustomResourceDefinition, error) {
	return func(ctx context.Context, gr schema.GroupResource) (*apiextensionsv1.CustomResourceDefinition, error) {
		s := store(crdResource)
		if s == nil || gr.Group == "" {
			return nil, nil
		}
		obj, err := s.Get(ctx, "", gr.Resource+"."+gr.Group, metav1.GetOptions{ResourceVersion: "0"})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return obj.(*apiextensionsv1.CustomResourceDefinition), nil
	}
}

// customConverter converts custom resource objects between the served versions of
// their definitions for matchPolicy Equivalent, as their Stores do (through the
// definition's conversion webhook when its strategy is Webhook), with the definitions
// read from the watch cache.
func customConverter(store func(schema.GroupResource) *registry.Store, get getFunc) admission.CustomConverter {
	conv, err := customresource.NewVersionConverter(customresource.VersionConverterConfig{
		Definitions: definitions(store), Resolve: serviceResolver(storeLister(store), get).Resolve,
	})
	if err != nil {
		return func(context.Context, *unstructured.Unstructured, schema.GroupVersion) error { return err }
	}
	return conv.Convert
}

// serviceResolver finds the endpoints of webhooks' Services (admission and conversion
// webhooks), reading the EndpointSlices from the watch cache.
func serviceResolver(list listFunc, get getFunc) webhookclient.ServiceResolver {
	cached := metav1.ListOptions{ResourceVersion: "0"}
	return webhookclient.ServiceResolver{
		Service: func(ctx context.Context, namespace, name string) (*corev1.Service, error) {
			obj, err := get(ctx, servicesResource, namespace, name)
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Service), nil
		},
		EndpointSlices: func(ctx context.Context, namespace, service string) ([]discoveryv1.EndpointSlice, error) {
			opts := cached
			opts.LabelSelector = labels.Set{discoveryv1.LabelServiceName: service}.String()
			l, err := list(ctx, endpointSlicesResource, namespace, opts)
			if err != nil {
				return nil, err
			}
			return l.(*discoveryv1.EndpointSliceList).Items, nil
		},
	}
}

// webhookConfigChecks is the admission of the webhook configurations and admission
// policies themselves: their CEL expressions must compile. store finds a resource's
// store at the request (the custom resource definitions, for the type check).
func webhookConfigChecks(store func(schema.GroupResource) *registry.Store) (func(context.Context, runtime.Object) error, func(context.Context, runtime.Object, runtime.Object) error, error) {
	conditions, err := admission.CheckMatchConditions()
	if err != nil {
		return nil, nil, err
	}
	policies, err := admission.CheckPolicyExpressions()
	if err != nil {
		return nil, nil, err
	}
	check := func(obj runtime.Object) error {
		if err := conditions(obj); err != nil {
			return err
		}
		return policies(obj)
	}
	typeCheck, err := policyTypeCheck(store)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, obj runtime.Object) error {
			if err := check(obj); err != nil {
				return err
			}
			return typeCheck(ctx, obj)
		},
		func(_ context.Context, obj, _ runtime.Object) error { return check(obj) }, nil
}

// policyTypeCheck type-checks a new ValidatingAdmissionPolicy against the schemas of
// the built-in kinds (the OpenAPI models Kite serves) and of the custom resources (the
// stored definitions, read from the watch cache) and records the outcome in its
// status, as upstream's policy status controller does.
func policyTypeCheck(store func(schema.GroupResource) *registry.Store) (func(context.Context, runtime.Object) error, error) {
	mapper := meta.NewDefaultRESTMapper(nil)
	kinds := map[schema.GroupVersionKind]*registry.Resource{}
	for _, r := range builtinResources() {
		scope := meta.RESTScopeRoot
		if r.Namespaced {
			scope = meta.RESTScopeNamespace
		}
		singular := r.GroupVersionResource()
		singular.Resource = r.SingularName
		mapper.AddSpecific(r.GroupVersionKind(), r.GroupVersionResource(), singular, scope)
		kinds[r.GroupVersionKind()] = r
	}
	return admission.TypeCheckPolicies(admission.TypeCheckConfig{
		Mapper: mapper,
		Models: func(gvk schema.GroupVersionKind) (map[string]*spec.Schema, error) {
			r, ok := kinds[gvk]
			if !ok || r.New == nil {
				return nil, fmt.Errorf("no built-in kind %v", gvk)
			}
			return openapi.Models(r.New(), gvk)
		},
		Definitions: definitions(store),
	})
}

// policyGenerationCheck is the write hook of ValidatingAdmissionPolicies: an update
// that makes a new generation is type-checked again, as on create, and its status
// records the outcome with that generation (admission.TypeCheckNewGenerations).
func policyGenerationCheck(store func(schema.GroupResource) *registry.Store) (registry.WriteHook, error) {
	typeCheck, err := policyTypeCheck(store)
	if err != nil {
		return nil, err
	}
	return admission.TypeCheckNewGenerations(typeCheck), nil
}

// connectOptions are the options objects webhooks receive for the pod connect
// subresources, read from the request's query as upstream decodes them.
var connectOptions = map[string]func(q map[string][]string) runtime.Object{
	"attach": func(q map[string][]string) runtime.Object {
		return &corev1.PodAttachOptions{Stdin: queryBool(q, "stdin"), Stdout: queryBool(q, "stdout"), Stderr: queryBool(q, "stderr"),
			TTY: queryBool(q, "tty"), Container: first(q["container"])}
	},
	"exec": func(q map[string][]string) runtime.Object {
		return &corev1.PodExecOptions{Stdin: queryBool(q, "stdin"), Stdout: queryBool(q, "stdout"), Stderr: queryBool(q, "stderr"),
			TTY: queryBool(q, "tty"), Container: first(q["container"]), Command: q["command"]}
	},
	"portforward": func(q map[string][]string) runtime.Object {
		var ports []int32
		for _, p := range q["ports"] {
			if n, err := strconv.ParseInt(p, 10, 32); err == nil {
				ports = append(ports, int32(n))
			}
		}
		return &corev1.PodPortForwardOptions{Ports: ports}
	},
}

// admitConnects makes the pods' attach, exec and portforward actions send a CONNECT
// to the webhooks before they connect, as upstream.
func admitConnects(actions []*registry.Action, pods *registry.Store) {
	for _, a := range actions {
		options, ok := connectOptions[a.Subresource]
		if !ok || a.Connect == nil || a.Resource.GroupResource() != (schema.GroupResource{Resource: "pods"}) {
			continue
		}
		connect, sub := a.Connect, a.Subresource
		a.Connect = func(ctx context.Context, namespace, name string, req registry.ConnectRequest) (http.Handler, error) {
			opts := options(req.Query)
			kind := corev1.SchemeGroupVersion.WithKind(reflect.TypeOf(opts).Elem().Name())
			if err := pods.AdmitConnect(ctx, namespace, name, sub, kind, opts); err != nil {
				return nil, err
			}
			return connect(ctx, namespace, name, req)
		}
	}
}

// admitWrites makes the actions that write a subresource of their own kind (binding,
// eviction) go through admission as upstream's subresource storage does: the
// webhooks and policies see the request's body (a Binding, an Eviction) under the
// subresource's name, before the action stores anything. Scale is not here:
// registry.ScaleAction admits its updates itself, for custom resources too.
func admitWrites(actions []*registry.Action, parent *registry.Store) {
	for _, a := range actions {
		sub, kind := a.Subresource, a.Kind
		if sub != "binding" && sub != "eviction" {
			continue
		}
		if create := a.Create; create != nil {
			a.Create = func(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
				k := kind
				if gvk := obj.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
					k = gvk // a policy/v1beta1 Eviction is admitted as one
				}
				if err := parent.AdmitSubresource(ctx, admissionregistrationv1.Create, namespace, name, sub, k, obj, nil, &opts, len(opts.DryRun) > 0); err != nil {
					return nil, err
				}
				return create(ctx, namespace, name, obj, opts)
			}
		}
	}
}

func queryBool(q map[string][]string, key string) bool {
	v := first(q[key])
	return v == "true" || v == "1"
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
