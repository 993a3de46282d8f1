package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/storage"
)

// updateAttempts bounds the read-modify-write retries of an update that lost a race.
const updateAttempts = 16

// Update replaces the object, through subresource "" (the object) or "status". An
// object with a resourceVersion must still be at it (else 409 Conflict); without one the
// update is unconditional.
func (s *Store) Update(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.UpdateOptions, subresource string) (runtime.Object, error) {
	acc, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	wantRV := acc.GetResourceVersion()
	return s.UpdateWith(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
		curAcc, err := accessor(current)
		if err != nil {
			return nil, err
		}
		if wantRV != "" && wantRV != curAcc.GetResourceVersion() {
			return nil, s.statusError(storage.ErrConflict, name)
		}
		acc.SetResourceVersion(curAcc.GetResourceVersion())
		return obj, nil
	}, opts, subresource)
}

// UpdateWith reads the object, calls fn with it, and writes what fn returns, retrying
// from a fresh read when another write got there first (patches use it). fn's errors are
// returned as they are: make them Status errors.
func (s *Store) UpdateWith(ctx context.Context, namespace, name string, fn func(current runtime.Object) (runtime.Object, error), opts metav1.UpdateOptions, subresource string) (runtime.Object, error) {
	key := s.key(namespace, name)
	for attempt := 1; ; attempt++ {
		kv, err := s.cfg.Storage.Get(ctx, key, 0)
		if err != nil {
			return nil, s.statusError(err, name)
		}
		old, err := s.decodeKV(kv)
		if err != nil {
			return nil, err
		}
		obj, err := fn(old.DeepCopyObject())
		if err != nil {
			return nil, err
		}
		update := func() *Attributes {
			return &Attributes{Operation: admissionregistrationv1.Update, Subresource: subresource, Namespace: namespace, Name: name,
				Object: obj, OldObject: old, Options: &opts, DryRun: isDryRun(opts.DryRun)}
		}
		// Upstream decodes with defaults and runs its built-in mutating admission
		// before the mutating webhooks: they see the object as those left it.
		if subresource == "" {
			s.res.Strategy.Default(obj)
			if s.cfg.AdmitUpdate != nil {
				if err := s.cfg.AdmitUpdate(ctx, obj, old); err != nil {
					return nil, err
				}
			}
		}
		if err := s.mutateByWebhooks(ctx, update()); err != nil {
			return nil, err
		}
		if err := s.prepareUpdate(ctx, namespace, name, obj, old, subresource); err != nil {
			return nil, err
		}
		if err := s.validateByWebhooks(ctx, update()); err != nil {
			return nil, err
		}
		out, err := s.write(ctx, key, obj, kv, isDryRun(opts.DryRun))
		if errors.Is(err, storage.ErrConflict) && attempt < updateAttempts {
			continue
		}
		if err != nil {
			return nil, s.statusError(err, name)
		}
		return out, nil
	}
}

// prepareUpdate applies upstream's update rules to obj, the new version of old.
func (s *Store) prepareUpdate(ctx context.Context, namespace, name string, obj, old runtime.Object, subresource string) error {
	acc, err := accessor(obj)
	if err != nil {
		return err
	}
	oldAcc, err := accessor(old)
	if err != nil {
		return err
	}
	if acc.GetName() == "" {
		acc.SetName(name)
	}
	if acc.GetName() != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", acc.GetName(), name))
	}
	if err := s.checkNamespace(acc, namespace); err != nil {
		return err
	}
	// What only the server sets: a client cannot change it by leaving it out or by
	// sending another value.
	if acc.GetUID() == "" {
		acc.SetUID(oldAcc.GetUID())
	}
	acc.SetCreationTimestamp(oldAcc.GetCreationTimestamp())
	acc.SetGeneration(oldAcc.GetGeneration())
	if ts := oldAcc.GetDeletionTimestamp(); ts != nil {
		acc.SetDeletionTimestamp(ts)
		acc.SetDeletionGracePeriodSeconds(oldAcc.GetDeletionGracePeriodSeconds())
	}

	var errs field.ErrorList
	switch subresource {
	case "":
		s.res.Strategy.Default(obj)
		s.res.Strategy.PrepareForUpdate(ctx, obj, old)
		if gs, ok := s.res.Strategy.(GenerationStrategy); ok && gs.SpecChanged(obj, old) {
			acc.SetGeneration(oldAcc.GetGeneration() + 1)
		}
		errs = s.res.Strategy.ValidateUpdate(ctx, obj, old)
	case "status":
		ss, ok := s.res.Strategy.(StatusStrategy)
		if !ok {
			return apierrors.NewNotFound(s.res.GroupResource(), name+"/status")
		}
		ss.PrepareForStatusUpdate(ctx, obj, old)
		errs = ss.ValidateStatusUpdate(ctx, obj, old)
	case "finalize":
		fs, ok := s.res.Strategy.(FinalizeStrategy)
		if !ok {
			return apierrors.NewNotFound(s.res.GroupResource(), name+"/finalize")
		}
		fs.PrepareForFinalizeUpdate(ctx, obj, old)
		errs = fs.ValidateFinalizeUpdate(ctx, obj, old)
	default:
		return apierrors.NewNotFound(s.res.GroupResource(), name+"/"+subresource)
	}
	errs = append(apivalidation.ValidateObjectMetaAccessorUpdate(acc, oldAcc, field.NewPath("metadata")), errs...)
	if len(errs) > 0 {
		return apierrors.NewInvalid(s.res.GroupVersionKind().GroupKind(), name, errs)
	}
	return nil
}

// write stores obj over the version kv, unless nothing changed. An object being deleted
// whose last finalizer is gone is deleted instead, as upstream does, unless its grace
// period is still running (a pod the kubelet is stopping: it finishes the deletion). A
// conflict is returned as storage.ErrConflict so the caller can retry.
func (s *Store) write(ctx context.Context, key string, obj runtime.Object, kv *storage.KeyValue, dryRun bool) (runtime.Object, error) {
	acc, err := accessor(obj)
	if err != nil {
		return nil, err
	}
	if deletionDue(acc) && len(acc.GetFinalizers()) == 0 && !s.keepWhileDeleting(obj) {
		if dryRun {
			return obj, nil
		}
		done, err := s.beforeWrite(ctx, nil, kv, false)
		if err != nil {
			return nil, err
		}
		_, rev, err := s.cfg.Storage.Delete(ctx, key, kv.ModRevision)
		done(err == nil)
		if err != nil {
			return nil, err
		}
		return obj, setRV(obj, rev)
	}
	done, err := s.beforeWrite(ctx, obj, kv, dryRun)
	if err != nil {
		return nil, err
	}
	data, err := s.encode(obj)
	if err != nil {
		done(false)
		return nil, err
	}
	if bytes.Equal(data, kv.Value) || dryRun {
		// A no-op update writes nothing and keeps the resourceVersion, as upstream.
		done(false)
		return obj, setRV(obj, kv.ModRevision)
	}
	nkv, err := s.cfg.Storage.Update(ctx, key, data, kv.ModRevision, storage.WriteOptions{TTL: s.res.StorageTTL})
	done(err == nil)
	if err != nil {
		return nil, err
	}
	return obj, setRV(obj, nkv.ModRevision)
}

// deletionDue reports whether the object is being deleted with no grace period left to
// wait for (upstream's ShouldDeleteDuringUpdate).
func deletionDue(acc metav1.Object) bool {
	if acc.GetDeletionTimestamp() == nil {
		return false
	}
	g := acc.GetDeletionGracePeriodSeconds()
	return g == nil || *g == 0
}

// keepWhileDeleting reports whether an object being deleted must stay although its
// metadata finalizers are gone (see DeletionStrategy), marking it as being deleted.
func (s *Store) keepWhileDeleting(obj runtime.Object) bool {
	ds, ok := s.res.Strategy.(DeletionStrategy)
	return ok && ds.PrepareForDelete(obj)
}
