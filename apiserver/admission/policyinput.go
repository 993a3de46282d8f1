package admission

import (
	"context"
	"reflect"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// The CEL input of a policy evaluation, as upstream builds it: object and oldObject
// (null where the operation has none: oldObject on CREATE, object on DELETE), request
// (the AdmissionRequest's fields, userInfo with its extra), namespaceObject (null for
// cluster-scoped requests), params (set per evaluation) and the authorizer variables
// (set by the walk, authorizer.go). Objects are maps of what
// the converter gives (int64 for integers), so that string(object.spec.replicas) reads
// "3" and not "3.0".

// policyInput is the CEL input of the request a, without params and variables.
func policyInput(ctx context.Context, a *registry.Attributes, ns *corev1.Namespace) (map[string]any, error) {
	gvk := kindOf(a)
	object, err := unstructuredOf(a.Object)
	if err != nil {
		return nil, err
	}
	oldObject, err := unstructuredOf(a.OldObject)
	if err != nil {
		return nil, err
	}
	for _, o := range []any{object, oldObject} {
		if m, ok := o.(map[string]any); ok && a.Operation != admissionregistrationv1.Connect {
			m["apiVersion"], m["kind"] = gvk.GroupVersion().String(), gvk.Kind
		}
	}
	var namespaceObject any
	if ns != nil {
		if namespaceObject, err = unstructuredOf(ns); err != nil {
			return nil, err
		}
	}
	options, err := unstructuredOf(a.Options)
	if err != nil {
		return nil, err
	}
	if m, ok := options.(map[string]any); ok {
		m["apiVersion"], m["kind"] = metav1.SchemeGroupVersion.String(), reflect.TypeOf(a.Options).Elem().Name()
	}
	return map[string]any{
		"object":          object,
		"oldObject":       oldObject,
		"namespaceObject": namespaceObject,
		"request":         requestInput(ctx, a, gvk, options),
		"params":          nil,
	}, nil
}

// requestInput is the request variable: the fields of the AdmissionRequest a webhook
// would receive.
func requestInput(ctx context.Context, a *registry.Attributes, gvk schema.GroupVersionKind, options any) map[string]any {
	gvr := a.Resource.GroupVersionResource()
	namespace := a.Namespace
	if gvr.Group == "" && gvr.Resource == "namespaces" {
		namespace = a.Name
	}
	kind := map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
	resource := map[string]any{"group": gvr.Group, "version": gvr.Version, "resource": gvr.Resource}
	return map[string]any{
		"uid":                string(uuid.NewUUID()),
		"kind":               kind,
		"resource":           resource,
		"subResource":        a.Subresource,
		"requestKind":        kind,
		"requestResource":    resource,
		"requestSubResource": a.Subresource,
		"name":               a.Name,
		"namespace":          namespace,
		"operation":          string(a.Operation),
		"userInfo":           userInput(ctx),
		"dryRun":             a.DryRun,
		"options":            options,
	}
}

// userInput is request.userInfo: the user of the request as upstream's
// authentication/v1 UserInfo.
func userInput(ctx context.Context) map[string]any {
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return map[string]any{"username": "", "uid": "", "groups": []any{}, "extra": map[string]any{}}
	}
	extra := make(map[string]any, len(u.Extra))
	for k, v := range u.Extra {
		extra[k] = anySlice(v)
	}
	return map[string]any{"username": u.Name, "uid": u.UID, "groups": anySlice(u.Groups), "extra": extra}
}

// unstructuredOf is obj as a CEL map (a copy), nil for a nil object.
func unstructuredOf(obj runtime.Object) (any, error) {
	if obj == nil || (reflect.ValueOf(obj).Kind() == reflect.Pointer && reflect.ValueOf(obj).IsNil()) {
		return nil, nil
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return runtime.DeepCopyJSON(u.Object), nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// objectSelects applies an object selector to a request: the new or the old object
// must match, as upstream; connect options match only an empty selector.
func objectSelects(sel *metav1.LabelSelector, a *registry.Attributes) bool {
	if sel == nil || isEmptySelector(sel) {
		return true
	}
	if a.Operation == admissionregistrationv1.Connect {
		return false
	}
	for _, obj := range []runtime.Object{a.Object, a.OldObject} {
		if l, ok := labelsOf(obj); ok && selects(sel, l) {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool {
	return apierrors.IsNotFound(err)
}
