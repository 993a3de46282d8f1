package registry

import (
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/storage"
)

// ScaleConfig says how a resource keeps what its scale subresource shows.
type ScaleConfig struct {
	// Store keeps the parent resource, which lists "scale" among its subresources.
	Store *Store
	// Replicas reads the desired (spec) and observed (status) replica counts and the
	// label selector of the pods, in its string form ("app=x"), from an object.
	Replicas func(obj runtime.Object) (spec, status int32, selector string, err error)
	// SetReplicas sets the desired replica count of an object.
	SetReplicas func(obj runtime.Object, replicas int32)
}

// scaleKind is the kind of every scale subresource's body.
var scaleKind = schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}

// ScaleAction is upstream's scale subresource: get, update and patch of an
// autoscaling/v1 Scale whose spec.replicas is the object's desired replica count. An
// update goes through the resource's own update rules (its validation; a generation
// bump), a resourceVersion in the Scale is a precondition on the object's (409 when
// stale), and a negative count is a 422 about the Scale. The Store's webhooks and
// policies admit an update once, as upstream: UPDATE of <resource>/scale with the
// Scale (the current one as oldObject), never as an update of the parent itself. The
// order is upstream's too (ScaleREST.Update through the generic store's Update):
// mutating admission of the Scale, the Scale's own checks, the parent's update rules
// (defaults, PrepareForUpdate, validation), then validating admission of the Scale
// the updated parent shows; so a scale the parent refuses is its 422, and no
// validating webhook or policy is asked about it.
func ScaleAction(cfg ScaleConfig) (*Action, error) {
	if cfg.Store == nil || cfg.Replicas == nil || cfg.SetReplicas == nil {
		return nil, errors.New("registry: ScaleConfig.Store, Replicas and SetReplicas are required")
	}
	s := cfg.Store
	toScale := func(obj runtime.Object) (*autoscalingv1.Scale, error) {
		acc, err := accessor(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		spec, status, selector, err := cfg.Replicas(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		return &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{
				Name:              acc.GetName(),
				Namespace:         acc.GetNamespace(),
				UID:               acc.GetUID(),
				ResourceVersion:   acc.GetResourceVersion(),
				CreationTimestamp: acc.GetCreationTimestamp(),
			},
			Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
			Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: selector},
		}, nil
	}
	a := &Action{
		Resource:    s.Resource(),
		Subresource: "scale",
		Kind:        scaleKind,
		New:         func() runtime.Object { return &autoscalingv1.Scale{} },
		Get: func(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
			obj, err := s.Get(ctx, namespace, name, opts)
			if err != nil {
				return nil, err
			}
			return toScale(obj)
		},
		Update: func(ctx context.Context, namespace, name string, change Change, opts metav1.UpdateOptions) (runtime.Object, error) {
			admit := func(old, scale *autoscalingv1.Scale) *Attributes {
				return &Attributes{Operation: admissionregistrationv1.Update, Resource: s.res, Subresource: "scale", Kind: scaleKind,
					Namespace: namespace, Name: name, Object: scale, OldObject: old, Options: &opts, DryRun: isDryRun(opts.DryRun)}
			}
			// The request is admitted here, once, as an UPDATE of <resource>/scale with
			// the Scale as its object; the write of the parent it turns into is not
			// admitted again (Admitted), as upstream's ScaleREST writes through its
			// parent's storage with the scale's admission.
			inner := s.Admitted(ctx, namespace, name)
			updated, err := s.UpdateWith(inner, namespace, name, func(current runtime.Object) (runtime.Object, error) {
				stored := current.DeepCopyObject()
				old, err := toScale(current)
				if err != nil {
					return nil, err
				}
				obj, err := change(old.DeepCopy())
				if err != nil {
					return nil, err
				}
				scale, ok := obj.(*autoscalingv1.Scale)
				if !ok {
					return nil, apierrors.NewBadRequest("the body is not a Scale")
				}
				if w := s.cfg.Webhooks; w != nil {
					if err := w.Mutate(ctx, admit(old, scale)); err != nil {
						return nil, err
					}
				}
				if errs := validateScale(scale); len(errs) > 0 {
					return nil, apierrors.NewInvalid(scaleKind.GroupKind(), name, errs)
				}
				// A uid in the body is a precondition, as upstream's ScaleREST checks it.
				if uid := scale.UID; uid != "" && uid != old.UID {
					gr := s.res.GroupResource()
					gr.Resource += "/scale"
					return nil, apierrors.NewConflict(gr, name,
						fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, old.UID))
				}
				if rv := scale.ResourceVersion; rv != "" && rv != old.ResourceVersion {
					return nil, s.statusError(storage.ErrConflict, name)
				}
				cfg.SetReplicas(current, scale.Spec.Replicas)
				if w := s.cfg.Webhooks; w != nil {
					// The parent's update rules first, on a copy: UpdateWith applies them
					// to current again before the write (they are idempotent), but only
					// after this function returns, too late to go before validation.
					next := current.DeepCopyObject()
					s.res.Strategy.Default(next)
					if err := s.prepareUpdate(ctx, namespace, name, next, stored, ""); err != nil {
						return nil, err
					}
					after, err := toScale(next)
					if err != nil {
						return nil, err
					}
					if err := w.Validate(ctx, admit(old, after)); err != nil {
						return nil, err
					}
				}
				return current, nil
			}, opts, "")
			if err != nil {
				return nil, err
			}
			return toScale(updated)
		},
	}
	return a, a.Check()
}

// validateScale is upstream's check of a Scale: its metadata, and no negative count.
func validateScale(scale *autoscalingv1.Scale) field.ErrorList {
	errs := apivalidation.ValidateObjectMeta(&scale.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if scale.Spec.Replicas < 0 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "replicas"), scale.Spec.Replicas, "must be greater than or equal to 0"))
	}
	return errs
}
