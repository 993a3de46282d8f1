package apiserver

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/admission"
	"kite/apiserver/registry"
)

// The admission policy steps, ValidatingAdmissionPolicy and MutatingAdmissionPolicy,
// over the stored policies and bindings.

var (
	policiesResource         = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "validatingadmissionpolicies"}
	bindingsResource         = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "validatingadmissionpolicybindings"}
	mutatingPoliciesResource = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "mutatingadmissionpolicies"}
	mutatingBindingsResource = schema.GroupResource{Group: admissionregistrationv1.GroupName, Resource: "mutatingadmissionpolicybindings"}
)

// getFunc reads one object, as the other admission steps do.
type getFunc = func(ctx context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error)

// validatingPolicies builds the ValidatingAdmissionPolicy step.
func validatingPolicies(store func(schema.GroupResource) *registry.Store, get getFunc) (*admission.ValidatingPolicies, error) {
	return admission.NewValidatingPolicies(policySource(store, get,
		policiesResource, func(l runtime.Object) []admissionregistrationv1.ValidatingAdmissionPolicy {
			return l.(*admissionregistrationv1.ValidatingAdmissionPolicyList).Items
		},
		bindingsResource, func(l runtime.Object) []admissionregistrationv1.ValidatingAdmissionPolicyBinding {
			return l.(*admissionregistrationv1.ValidatingAdmissionPolicyBindingList).Items
		}))
}

// mutatingPolicies builds the MutatingAdmissionPolicy step.
func mutatingPolicies(store func(schema.GroupResource) *registry.Store, get getFunc) (*admission.MutatingPolicies, error) {
	return admission.NewMutatingPolicies(policySource(store, get,
		mutatingPoliciesResource, func(l runtime.Object) []admissionregistrationv1.MutatingAdmissionPolicy {
			return l.(*admissionregistrationv1.MutatingAdmissionPolicyList).Items
		},
		mutatingBindingsResource, func(l runtime.Object) []admissionregistrationv1.MutatingAdmissionPolicyBinding {
			return l.(*admissionregistrationv1.MutatingAdmissionPolicyBindingList).Items
		}))
}

// policySource is where an admission policy step reads its policies (resource
// policies, items of a list unpacked by policyItems) and bindings (likewise). They are
// read from the watch caches, as upstream's plugins read their informers: a new
// policy takes effect within moments. store finds a resource's store at the request
// (the stores are made after the step); get reads a namespace as the other steps do.
func policySource[P, B any](
	store func(schema.GroupResource) *registry.Store,
	get getFunc,
	policies schema.GroupResource, policyItems func(runtime.Object) []P,
	bindings schema.GroupResource, bindingItems func(runtime.Object) []B,
) admission.Source[P, B] {
	lister := storeLister(store)
	list := func(ctx context.Context, gr schema.GroupResource) (runtime.Object, error) {
		return lister(ctx, gr, "", metav1.ListOptions{ResourceVersion: "0"})
	}
	none := func(gr schema.GroupResource) bool { return cachedNone(store, gr) }
	// The kinds a paramKind may name: the built-in resources (custom resources are
	// not parameter kinds yet), by apiVersion and kind.
	kinds := map[schema.GroupVersionKind]schema.GroupResource{}
	for _, r := range builtinResources() {
		kinds[r.GroupVersionKind()] = r.GroupResource()
	}
	return admission.Source[P, B]{
		// matchPolicy Equivalent, as for the webhooks.
		Equivalents:   admission.ServedEquivalents(builtinResources(), definition(store)),
		ConvertCustom: customConverter(store, get),
		Params: func(ctx context.Context, kind admissionregistrationv1.ParamKind, namespace, name string) ([]runtime.Object, bool, error) {
			gv, err := schema.ParseGroupVersion(kind.APIVersion)
			if err != nil {
				return nil, false, err
			}
			gr, ok := kinds[gv.WithKind(kind.Kind)]
			s := store(gr)
			if !ok || s == nil {
				return nil, false, fmt.Errorf("paramKind kind `%s, Kind=%s` not known", kind.APIVersion, kind.Kind)
			}
			namespaced := s.Resource().Namespaced
			if !namespaced {
				namespace = ""
			}
			if name != "" {
				// As upstream, a parameter made a moment ago that the cache has not
				// seen yet is read from the store.
				obj, err := get(ctx, gr, namespace, name)
				if err != nil {
					return nil, namespaced, err
				}
				return []runtime.Object{obj}, namespaced, nil
			}
			l, err := s.List(ctx, namespace, metav1.ListOptions{})
			if err != nil {
				return nil, namespaced, err
			}
			objs, err := meta.ExtractList(l)
			return objs, namespaced, err
		},
		Policies: func(ctx context.Context) ([]P, error) {
			if none(policies) {
				return nil, nil
			}
			l, err := list(ctx, policies)
			if err != nil {
				return nil, err
			}
			return policyItems(l), nil
		},
		Bindings: func(ctx context.Context) ([]B, error) {
			if none(bindings) {
				return nil, nil
			}
			l, err := list(ctx, bindings)
			if err != nil {
				return nil, err
			}
			return bindingItems(l), nil
		},
		Namespace: func(ctx context.Context, name string) (*corev1.Namespace, error) {
			obj, err := get(ctx, schema.GroupResource{Resource: "namespaces"}, "", name)
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Namespace), nil
		},
	}
}
