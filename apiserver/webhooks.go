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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/admission"
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
	list := func(ctx context.Context, gr schema.GroupResource, ns string, opts metav1.ListOptions) (runtime.Object, error) {
		s := store(gr)
		if s == nil {
			return nil, fmt.Errorf("apiserver: no %s resource", gr)
		}
		return s.List(ctx, ns, opts)
	}
	cached := metav1.ListOptions{ResourceVersion: "0"}
	resolver := serviceResolver(list, get)
	return admission.NewWebhooks(admission.WebhookConfig{
		Mutating: func(ctx context.Context) ([]admissionregistrationv1.MutatingWebhookConfiguration, error) {
			l, err := list(ctx, mutatingWebhooksResource, "", cached)
			if err != nil {
				return nil, err
			}
			return l.(*admissionregistrationv1.MutatingWebhookConfigurationList).Items, nil
		},
		Validating: func(ctx context.Context) ([]admissionregistrationv1.ValidatingWebhookConfiguration, error) {
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
	})
}

// serviceResolver finds the endpoints of webhooks' Services (admission and conversion
// webhooks), reading the EndpointSlices from the watch cache.
func serviceResolver(list func(ctx context.Context, gr schema.GroupResource, ns string, opts metav1.ListOptions) (runtime.Object, error), get getFunc) webhookclient.ServiceResolver {
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

// webhookConfigChecks is the admission of the webhook configurations themselves:
// their match conditions must compile.
func webhookConfigChecks() (func(context.Context, runtime.Object) error, func(context.Context, runtime.Object, runtime.Object) error, error) {
	check, err := admission.CheckMatchConditions()
	if err != nil {
		return nil, nil, err
	}
	return func(_ context.Context, obj runtime.Object) error { return check(obj) },
		func(_ context.Context, obj, _ runtime.Object) error { return check(obj) }, nil
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
