package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// The AdmissionReview a webhook receives and what its answer does to the object.
// admission.k8s.io/v1beta1 has the same fields as v1, so a review in either version is
// the v1 struct with its apiVersion set accordingly.

// reviewVersions are the AdmissionReview versions Kite sends, preferred first.
var reviewVersions = []string{"v1", "v1beta1"}

// reviewVersion picks the first version in a webhook's admissionReviewVersions that
// Kite speaks.
func reviewVersion(h *hook) (string, error) {
	for _, v := range h.reviewVersions {
		if slices.Contains(reviewVersions, v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("webhook does not accept known AdmissionReview versions %v", reviewVersions)
}

// kindOf is the kind of a request's object.
func kindOf(a *registry.Attributes) schema.GroupVersionKind {
	if !a.Kind.Empty() {
		return a.Kind
	}
	return a.Resource.GroupVersionKind()
}

// encodeObject is obj as JSON with its apiVersion and kind; nil stays nil.
func encodeObject(obj runtime.Object, gvk schema.GroupVersionKind) ([]byte, error) {
	if obj == nil || (reflect.ValueOf(obj).Kind() == reflect.Pointer && reflect.ValueOf(obj).IsNil()) {
		return nil, nil
	}
	c := obj.DeepCopyObject()
	c.GetObjectKind().SetGroupVersionKind(gvk)
	return json.Marshal(c)
}

// newRequest builds the review request of a.
func newRequest(ctx context.Context, a *registry.Attributes) (*admissionv1.AdmissionRequest, error) {
	gvk := kindOf(a)
	kind := metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind}
	gvr := a.Resource.GroupVersionResource()
	resource := metav1.GroupVersionResource{Group: gvr.Group, Version: gvr.Version, Resource: gvr.Resource}
	dryRun := a.DryRun
	req := &admissionv1.AdmissionRequest{
		UID:                types.UID(uuid.NewUUID()),
		Kind:               kind,
		Resource:           resource,
		SubResource:        a.Subresource,
		RequestKind:        &kind,
		RequestResource:    &resource,
		RequestSubResource: a.Subresource,
		Name:               a.Name,
		Namespace:          a.Namespace,
		Operation:          admissionv1.Operation(a.Operation),
		DryRun:             &dryRun,
	}
	// The namespaces resource is requested under its own name, which upstream's
	// request attributes carry as the namespace too.
	if gvr.Group == "" && gvr.Resource == "namespaces" {
		req.Namespace = a.Name
	}
	if u, ok := auth.UserFrom(ctx); ok {
		req.UserInfo = authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups}
		if len(u.Extra) > 0 {
			req.UserInfo.Extra = map[string]authenticationv1.ExtraValue{}
			for k, v := range u.Extra {
				req.UserInfo.Extra[k] = v
			}
		}
	}
	var err error
	if req.Object.Raw, err = encodeObject(a.Object, gvk); err != nil {
		return nil, err
	}
	if req.OldObject.Raw, err = encodeObject(a.OldObject, gvk); err != nil {
		return nil, err
	}
	if a.Options != nil {
		optsGVK := metav1.SchemeGroupVersion.WithKind(reflect.TypeOf(a.Options).Elem().Name())
		if req.Options.Raw, err = encodeObject(a.Options, optsGVK); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// encodeReview is the body sent to a webhook: req in review version version.
func encodeReview(req *admissionv1.AdmissionRequest, version string) ([]byte, error) {
	return json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.GroupName + "/" + version, Kind: "AdmissionReview"},
		Request:  req,
	})
}

// decodeReview reads a webhook's answer to req, in review version version.
func decodeReview(data []byte, req *admissionv1.AdmissionRequest, version string) (*admissionv1.AdmissionResponse, error) {
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &review); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	if want := admissionv1.GroupName + "/" + version; version == "v1" && (review.APIVersion != want || review.Kind != "AdmissionReview") {
		return nil, fmt.Errorf("expected webhook response of %s, Kind=AdmissionReview, got %s, Kind=%s", want, review.APIVersion, review.Kind)
	}
	if review.Response == nil {
		return nil, fmt.Errorf("webhook response was absent")
	}
	if version == "v1" && review.Response.UID != req.UID {
		return nil, fmt.Errorf("expected response.uid=%q, got %q", req.UID, review.Response.UID)
	}
	return review.Response, nil
}

// matchInput is the CEL input of match conditions for a, its authorizer checks decided
// by z.
func matchInput(ctx context.Context, z authorizer.Authorizer, a *registry.Attributes, req *admissionv1.AdmissionRequest) map[string]any {
	toMap := func(raw []byte) any {
		if raw == nil {
			return nil
		}
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		return m
	}
	extra := make(map[string]any, len(req.UserInfo.Extra))
	for k, v := range req.UserInfo.Extra {
		extra[k] = anySlice(v)
	}
	user := map[string]any{"username": req.UserInfo.Username, "uid": req.UserInfo.UID, "groups": anySlice(req.UserInfo.Groups), "extra": extra}
	kind := func(k metav1.GroupVersionKind) map[string]any {
		return map[string]any{"group": k.Group, "version": k.Version, "kind": k.Kind}
	}
	resource := func(r metav1.GroupVersionResource) map[string]any {
		return map[string]any{"group": r.Group, "version": r.Version, "resource": r.Resource}
	}
	request := map[string]any{
		"uid":                string(req.UID),
		"kind":               kind(req.Kind),
		"resource":           resource(req.Resource),
		"subResource":        req.SubResource,
		"requestKind":        kind(*req.RequestKind),
		"requestResource":    resource(*req.RequestResource),
		"requestSubResource": req.RequestSubResource,
		"name":               req.Name,
		"namespace":          req.Namespace,
		"operation":          string(a.Operation),
		"userInfo":           user,
		"dryRun":             a.DryRun,
		"options":            toMap(req.Options.Raw),
	}
	in := map[string]any{"object": toMap(req.Object.Raw), "oldObject": toMap(req.OldObject.Raw), "request": request}
	authorizerInput(ctx, z, a, in)
	return in
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// applyPatch applies a mutating webhook's JSON patch to obj in place and reports
// whether it changed anything.
func applyPatch(obj runtime.Object, gvk schema.GroupVersionKind, patch []byte) (bool, error) {
	doc, err := encodeObject(obj, gvk)
	if err != nil {
		return false, err
	}
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return false, fmt.Errorf("decoding the patch: %w", err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		return false, fmt.Errorf("applying the patch: %w", err)
	}
	if err := replaceObject(obj, out); err != nil {
		return false, fmt.Errorf("decoding the patched object: %w", err)
	}
	after, err := encodeObject(obj, gvk)
	if err != nil {
		return false, err
	}
	return string(after) != string(doc), nil
}

// replaceObject makes obj the object data encodes, keeping what its type meta was:
// the Store holds obj (and its accessor), so it changes in place.
func replaceObject(obj runtime.Object, data []byte) error {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		var fresh unstructured.Unstructured
		if err := fresh.UnmarshalJSON(data); err != nil {
			return err
		}
		u.Object = fresh.Object
		return nil
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	fresh := reflect.New(reflect.TypeOf(obj).Elem())
	if err := json.Unmarshal(data, fresh.Interface()); err != nil {
		return err
	}
	reflect.ValueOf(obj).Elem().Set(fresh.Elem())
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}

// noSideEffects reports whether a webhook may be called on a dry run.
func noSideEffects(h *hook) bool {
	return h.sideEffects != nil && (*h.sideEffects == admissionregistrationv1.SideEffectClassNone || *h.sideEffects == admissionregistrationv1.SideEffectClassNoneOnDryRun)
}
