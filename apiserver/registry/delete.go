package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// Delete deletes the object. deleted is false when the object still exists afterwards
// (finalizers pending, or a graceful deletion under way: see GracefulStrategy): obj is
// then the object with its deletionTimestamp set (the handler answers 200 with it, 202
// when orphanDependents=false, as upstream). When deleted, obj is the object as it was
// last stored.
//
// The propagation policy is recorded as upstream does, for the garbage collector:
// Foreground adds the foregroundDeletion finalizer and Orphan the orphan finalizer.
func (s *Store) Delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error) {
	key := s.key(namespace, name)
	for attempt := 1; ; attempt++ {
		kv, err := s.cfg.Storage.Get(ctx, key, 0)
		if err != nil {
			return nil, false, s.statusError(err, name)
		}
		obj, err := s.decodeKV(kv)
		if err != nil {
			return nil, false, err
		}
		out, deleted, err := s.deleteVersion(ctx, key, obj, kv, opts)
		// A concurrent write (a controller's status update, say) raced the delete: read
		// again. Preconditions are checked against each read, so a resourceVersion one
		// the write broke still answers 409.
		if errors.Is(err, storage.ErrConflict) && attempt < updateAttempts {
			continue
		}
		if err != nil {
			return nil, false, s.statusError(err, name)
		}
		return out, deleted, nil
	}
}

func (s *Store) deleteVersion(ctx context.Context, key string, obj runtime.Object, kv *storage.KeyValue, opts metav1.DeleteOptions) (runtime.Object, bool, error) {
	acc, err := accessor(obj)
	if err != nil {
		return nil, false, err
	}
	if err := checkPreconditions(s, acc, opts.Preconditions); err != nil {
		return nil, false, err
	}
	if err := s.admitDelete(ctx, obj, opts); err != nil {
		return nil, false, err
	}
	period, pending := s.graceful(acc, obj, opts)
	if pending {
		// Already being deleted, no sooner than asked: nothing changes, finalizers
		// included, as upstream.
		return obj, false, nil
	}
	finalizers := withPropagation(acc.GetFinalizers(), opts)
	dryRun := isDryRun(opts.DryRun)
	if period > 0 {
		// Graceful: the object stays, marked, until its owner deletes it with grace 0.
		acc.SetFinalizers(finalizers)
		out, err := s.write(ctx, key, obj, kv, dryRun)
		return out, false, err
	}
	if len(finalizers) == 0 && !s.keepWhileDeleting(obj) {
		if dryRun {
			return obj, true, nil
		}
		done, err := s.beforeWrite(ctx, nil, kv, false)
		if err != nil {
			return nil, false, err
		}
		_, _, err = s.cfg.Storage.Delete(ctx, key, kv.ModRevision)
		done(err == nil)
		if err != nil {
			return nil, false, err
		}
		return obj, true, nil
	}
	// Finalizers pending: mark the object as being deleted; whoever owns the finalizers
	// removes them, and the update that removes the last one deletes it. (write skips
	// the store when nothing changed.)
	if acc.GetDeletionTimestamp() == nil {
		now := metav1.NewTime(s.clock.Now().Truncate(1e9))
		var zero int64
		acc.SetDeletionTimestamp(&now)
		acc.SetDeletionGracePeriodSeconds(&zero)
	}
	acc.SetFinalizers(finalizers)
	out, err := s.write(ctx, key, obj, kv, dryRun)
	return out, false, err
}

func checkPreconditions(s *Store, acc metav1.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != acc.GetUID() {
		return apierrors.NewConflict(s.res.GroupResource(), acc.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, acc.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != acc.GetResourceVersion() {
		return apierrors.NewConflict(s.res.GroupResource(), acc.GetName(),
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, acc.GetResourceVersion()))
	}
	return nil
}

// withPropagation returns the finalizers after recording the delete's propagation policy.
func withPropagation(finalizers []string, opts metav1.DeleteOptions) []string {
	policy := opts.PropagationPolicy
	if policy == nil && opts.OrphanDependents != nil {
		p := metav1.DeletePropagationBackground
		if *opts.OrphanDependents {
			p = metav1.DeletePropagationOrphan
		}
		policy = &p
	}
	if policy == nil {
		return finalizers
	}
	out := slices.Clone(finalizers)
	add := func(f string) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	drop := func(f string) { out = slices.DeleteFunc(out, func(x string) bool { return x == f }) }
	switch *policy {
	case metav1.DeletePropagationForeground:
		drop(metav1.FinalizerOrphanDependents)
		add(metav1.FinalizerDeleteDependents)
	case metav1.DeletePropagationOrphan:
		drop(metav1.FinalizerDeleteDependents)
		add(metav1.FinalizerOrphanDependents)
	case metav1.DeletePropagationBackground:
		drop(metav1.FinalizerDeleteDependents)
		drop(metav1.FinalizerOrphanDependents)
	}
	return out
}

// deleteCollectionWorkers is how many deletes of a collection run at once. The store
// commits concurrent writes together, one sync for the group, so deleting in parallel
// costs a fraction of the syncs of deleting one by one.
const deleteCollectionWorkers = 16

// DeleteCollection deletes every object the list options select and returns the list of
// what it deleted or marked for deletion, in list order.
func (s *Store) DeleteCollection(ctx context.Context, namespace string, listOpts metav1.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	listed, err := s.List(ctx, namespace, listOpts)
	if err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(listed)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	results := make([]runtime.Object, len(items))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(deleteCollectionWorkers, len(items)) {
		wg.Go(func() {
			for i := range next {
				acc, err := accessor(items[i])
				if err == nil {
					results[i], _, err = s.Delete(ctx, acc.GetNamespace(), acc.GetName(), opts)
				}
				if apierrors.IsNotFound(err) {
					continue // deleted by someone else meanwhile
				}
				if err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range items {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	done := make([]runtime.Object, 0, len(items))
	for _, obj := range results {
		if obj != nil {
			done = append(done, obj)
		}
	}
	list := s.res.NewList()
	if err := meta.SetList(list, done); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return list, nil
}
