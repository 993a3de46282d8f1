package registry

import (
	"context"
	"errors"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/storage"
)

// generateNameAttempts is how often a create with generateName tries a fresh suffix when
// the generated name is taken, as upstream does since 1.32.
const generateNameAttempts = 8

// Create stores a new object (named, or with generateName) and returns it as stored.
func (s *Store) Create(ctx context.Context, namespace string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
	acc, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	if err := s.checkNamespace(acc, namespace); err != nil {
		return nil, err
	}
	now := metav1.NewTime(s.clock.Now().Truncate(1e9))
	acc.SetUID(uuid.NewUUID())
	acc.SetCreationTimestamp(now)
	acc.SetDeletionTimestamp(nil)
	acc.SetDeletionGracePeriodSeconds(nil)
	acc.SetGeneration(0)
	// Upstream defaults while decoding, before any other step sees the object.
	s.res.Strategy.Default(obj)
	s.res.Strategy.PrepareForCreate(ctx, obj)
	if _, ok := s.res.Strategy.(GenerationStrategy); ok {
		acc.SetGeneration(1)
	}
	if s.cfg.Admit != nil {
		if err := s.cfg.Admit(ctx, obj); err != nil {
			return nil, err
		}
	}
	if err := s.mutateByWebhooks(ctx, &Attributes{Operation: admissionregistrationv1.Create, Namespace: namespace, Name: acc.GetName(),
		Object: obj, Options: &opts, DryRun: isDryRun(opts.DryRun)}); err != nil {
		return nil, err
	}
	generated := acc.GetName() == "" && acc.GetGenerateName() != ""
	for attempt := 1; ; attempt++ {
		if generated {
			acc.SetName(acc.GetGenerateName() + utilrand.String(5))
		}
		if cs, ok := s.res.Strategy.(CanonicalizeStrategy); ok {
			cs.Canonicalize(obj)
		}
		errs := apivalidation.ValidateObjectMetaAccessor(acc, s.res.Namespaced, apivalidation.ValidateNameFunc(s.res.ValidateName), field.NewPath("metadata"))
		errs = append(errs, s.res.Strategy.Validate(ctx, obj)...)
		if len(errs) > 0 {
			return nil, apierrors.NewInvalid(s.res.GroupVersionKind().GroupKind(), acc.GetName(), errs)
		}
		if s.res.Namespaced && s.cfg.NamespaceCheck != nil {
			if err := s.cfg.NamespaceCheck(ctx, namespace, s.res.GroupResource(), acc.GetName()); err != nil {
				return nil, err
			}
		}
		// Validating admission in upstream's order: policies, webhooks, then quota,
		// which charges and so goes last.
		if s.cfg.AdmitValidate != nil {
			if err := s.cfg.AdmitValidate(ctx, obj); err != nil {
				return nil, err
			}
		}
		if err := s.validateByWebhooks(ctx, &Attributes{Operation: admissionregistrationv1.Create, Namespace: namespace, Name: acc.GetName(),
			Object: obj, Options: &opts, DryRun: isDryRun(opts.DryRun)}); err != nil {
			return nil, err
		}
		// Upstream's storage refuses a resourceVersion on create, after admission: a
		// policy that denies the object answers first.
		if acc.GetResourceVersion() != "" {
			return nil, apierrors.NewBadRequest("resourceVersion should not be set on objects to be created")
		}
		if s.cfg.AdmitQuota != nil {
			if err := s.cfg.AdmitQuota(ctx, obj); err != nil {
				return nil, err
			}
		}
		done, err := s.beforeWrite(ctx, obj, nil, isDryRun(opts.DryRun))
		if err != nil {
			return nil, err
		}
		if isDryRun(opts.DryRun) {
			done(false)
			return obj, nil
		}
		data, err := s.encode(obj)
		if err != nil {
			done(false)
			return nil, err
		}
		kv, err := s.cfg.Storage.Create(ctx, s.key(namespace, acc.GetName()), data, storage.WriteOptions{TTL: s.res.StorageTTL})
		done(err == nil)
		if errors.Is(err, storage.ErrExists) && generated && attempt < generateNameAttempts {
			continue
		}
		if err != nil {
			return nil, s.statusError(err, acc.GetName())
		}
		return obj, setRV(obj, kv.ModRevision)
	}
}

// checkNamespace makes the object's namespace the request's, refusing a mismatch.
func (s *Store) checkNamespace(acc metav1.Object, namespace string) error {
	if !s.res.Namespaced {
		acc.SetNamespace("")
		return nil
	}
	if namespace == "" {
		return apierrors.NewBadRequest("the namespace of the object must be given in the request")
	}
	if ns := acc.GetNamespace(); ns != "" && ns != namespace {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	acc.SetNamespace(namespace)
	return nil
}
