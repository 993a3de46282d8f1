package accessreview

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// Resources returns the four review resources, answering with authz (nil: AllowAll).
func Resources(authz Authorizer) ([]*registry.Virtual, error) {
	if authz == nil {
		authz = AllowAll{}
	}
	r := reviews{authz}
	var out []*registry.Virtual
	for _, v := range []*registry.Virtual{
		{Resource: resource("subjectaccessreviews", "SubjectAccessReview", false,
			func() runtime.Object { return &authorizationv1.SubjectAccessReview{} }), Create: r.subject},
		{Resource: resource("selfsubjectaccessreviews", "SelfSubjectAccessReview", false,
			func() runtime.Object { return &authorizationv1.SelfSubjectAccessReview{} }), Create: r.self},
		{Resource: resource("localsubjectaccessreviews", "LocalSubjectAccessReview", true,
			func() runtime.Object { return &authorizationv1.LocalSubjectAccessReview{} }), Create: r.local},
		{Resource: resource("selfsubjectrulesreviews", "SelfSubjectRulesReview", false,
			func() runtime.Object { return &authorizationv1.SelfSubjectRulesReview{} }), Create: r.rules},
	} {
		v, err := registry.NewVirtual(v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func resource(plural, kind string, namespaced bool, newObj func() runtime.Object) *registry.Resource {
	return &registry.Resource{
		Group:        authorizationv1.GroupName,
		Version:      "v1",
		Resource:     plural,
		Kind:         kind,
		SingularName: strings.TrimSuffix(plural, "s"),
		Namespaced:   namespaced,
		New:          newObj,
	}
}

type reviews struct{ authz Authorizer }

func kindOf(kind string) schema.GroupKind {
	return schema.GroupKind{Group: authorizationv1.GroupName, Kind: kind}
}

func (r reviews) subject(ctx context.Context, _ string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
	sar, ok := obj.(*authorizationv1.SubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SubjectAccessReview: %T", obj))
	}
	errs := validateSubjectAccessReviewSpec(sar.Spec, field.NewPath("spec"))
	if !emptyMeta(sar.ObjectMeta) {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), sar.ObjectMeta, "must be empty"))
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(kindOf("SubjectAccessReview"), "", errs)
	}
	out := sar.DeepCopy()
	out.Status = status(r.authz.Authorize(ctx, specAttributes(out.Spec)))
	return out, nil
}

func (r reviews) local(ctx context.Context, namespace string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
	sar, ok := obj.(*authorizationv1.LocalSubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a LocalSubjectAccessReview: %T", obj))
	}
	errs := validateSubjectAccessReviewSpec(sar.Spec, field.NewPath("spec"))
	meta := sar.ObjectMeta
	meta.Namespace = ""
	if !emptyMeta(meta) {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), sar.ObjectMeta, "must be empty except for namespace"))
	}
	if ra := sar.Spec.ResourceAttributes; ra != nil && ra.Namespace != sar.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("spec", "resourceAttributes", "namespace"), ra.Namespace, "must match metadata.namespace"))
	}
	if sar.Spec.NonResourceAttributes != nil {
		errs = append(errs, field.Invalid(field.NewPath("spec", "nonResourceAttributes"), sar.Spec.NonResourceAttributes, "disallowed on this kind of request"))
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(kindOf("LocalSubjectAccessReview"), "", errs)
	}
	if namespace == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("namespace is required on this type: %v", namespace))
	}
	if namespace != sar.Namespace {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("spec.resourceAttributes.namespace must match namespace: %v", namespace))
	}
	out := sar.DeepCopy()
	out.Status = status(r.authz.Authorize(ctx, specAttributes(out.Spec)))
	return out, nil
}

func (r reviews) self(ctx context.Context, _ string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
	ssar, ok := obj.(*authorizationv1.SelfSubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectAccessReview: %T", obj))
	}
	errs := validateAttributes(ssar.Spec.ResourceAttributes, ssar.Spec.NonResourceAttributes, field.NewPath("spec"))
	if !emptyMeta(ssar.ObjectMeta) {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), ssar.ObjectMeta, "must be empty"))
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(kindOf("SelfSubjectAccessReview"), "", errs)
	}
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewBadRequest("no user present on request")
	}
	a := userAttributes(u)
	a.Resource, a.NonResource = ssar.Spec.ResourceAttributes, ssar.Spec.NonResourceAttributes
	out := ssar.DeepCopy()
	out.Status = status(r.authz.Authorize(ctx, a))
	return out, nil
}

func (r reviews) rules(ctx context.Context, _ string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
	ssrr, ok := obj.(*authorizationv1.SelfSubjectRulesReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectRulesReview: %T", obj))
	}
	if ssrr.Spec.Namespace == "" {
		return nil, apierrors.NewBadRequest("no namespace on request")
	}
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewBadRequest("no user on request")
	}
	res, nonRes, incomplete, err := r.authz.Rules(ctx, userAttributes(u), ssrr.Spec.Namespace)
	out := ssrr.DeepCopy()
	out.Status = authorizationv1.SubjectRulesReviewStatus{ResourceRules: res, NonResourceRules: nonRes, Incomplete: incomplete}
	if err != nil {
		out.Status.EvaluationError = err.Error()
	}
	// Upstream answers empty lists, never null, so clients can range over them.
	if out.Status.ResourceRules == nil {
		out.Status.ResourceRules = []authorizationv1.ResourceRule{}
	}
	if out.Status.NonResourceRules == nil {
		out.Status.NonResourceRules = []authorizationv1.NonResourceRule{}
	}
	return out, nil
}

// specAttributes are the attributes a subject access review asks about.
func specAttributes(spec authorizationv1.SubjectAccessReviewSpec) Attributes {
	return Attributes{User: spec.User, UID: spec.UID, Groups: spec.Groups, Extra: spec.Extra,
		Resource: spec.ResourceAttributes, NonResource: spec.NonResourceAttributes}
}

// userAttributes are the attributes of the calling user.
func userAttributes(u auth.User) Attributes {
	a := Attributes{User: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if len(u.Extra) > 0 {
		a.Extra = make(map[string]authorizationv1.ExtraValue, len(u.Extra))
		for _, k := range slices.Sorted(maps.Keys(u.Extra)) {
			a.Extra[k] = slices.Clone(u.Extra[k])
		}
	}
	return a
}

func status(d Decision) authorizationv1.SubjectAccessReviewStatus {
	return authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Denied: d.Denied, Reason: d.Reason, EvaluationError: d.EvaluationError}
}
