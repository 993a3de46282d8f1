package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// get reads r live; it returns nil when r is gone or was replaced by another object
// of the same name.
func (c *Collector) get(ctx context.Context, r ref) (*metav1.PartialObjectMetadata, error) {
	obj, err := c.metadata.Resource(r.gvr).Namespace(r.namespace).Get(ctx, r.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if obj.UID != r.uid {
		return nil, nil
	}
	return obj, nil
}

// attemptToDelete deletes r if its owners are gone, or finishes its foreground
// deletion; see the package documentation.
func (c *Collector) attemptToDelete(ctx context.Context, r ref) error {
	obj, err := c.get(ctx, r)
	if err != nil || obj == nil {
		return err
	}
	if obj.DeletionTimestamp != nil {
		if !slices.Contains(obj.Finalizers, metav1.FinalizerDeleteDependents) {
			return nil
		}
		return c.deleteDependentsFirst(ctx, r)
	}
	if len(obj.OwnerReferences) == 0 {
		return nil
	}
	states := make([]ownerState, len(obj.OwnerReferences))
	for i, o := range obj.OwnerReferences {
		states[i], err = c.ownerStateOf(ctx, obj, o)
		if err != nil {
			return err
		}
	}
	v := decide(obj.OwnerReferences, states, len(c.graph.dependentsOf(r.uid)) > 0, obj.Finalizers)
	if v.keep {
		if len(v.dropRefs) == 0 {
			return nil
		}
		return c.editOwnerRefs(ctx, r, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(o metav1.OwnerReference) bool { return slices.Contains(v.dropRefs, o.UID) })
		})
	}
	if len(v.unblock) > 0 {
		err := c.editOwnerRefs(ctx, r, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			no := false
			for i := range refs {
				if slices.Contains(v.unblock, refs[i].UID) {
					refs[i].BlockOwnerDeletion = &no
				}
			}
			return refs
		})
		if err != nil {
			return err
		}
	}
	c.logger.Info("deleting an object whose owners are gone", "resource", r.gvr.String(), "namespace", r.namespace, "name", r.name, "propagation", string(v.policy))
	uid := r.uid
	err = c.metadata.Resource(r.gvr).Namespace(r.namespace).Delete(ctx, r.name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid},
		PropagationPolicy: &v.policy,
	})
	if apierrors.IsConflict(err) {
		// The uid precondition failed: another object took the name; ours is gone.
		return nil
	}
	return ignoreNotFound(err)
}

// deleteDependentsFirst handles an object being deleted in the foreground: while
// dependents block it they are deleted; once none does, its finalizer is removed.
func (c *Collector) deleteDependentsFirst(ctx context.Context, r ref) error {
	blocking := c.graph.blockingDependentsOf(r.uid)
	if len(blocking) == 0 {
		return c.removeFinalizer(ctx, r, metav1.FinalizerDeleteDependents)
	}
	for _, d := range blocking {
		if !d.deleting {
			c.toDelete.Add(d.ref)
		}
	}
	// The dependents' deletions bring r back here through the graph.
	return nil
}

// attemptToOrphan removes the references to r from its dependents, then r's orphan
// finalizer.
func (c *Collector) attemptToOrphan(ctx context.Context, r ref) error {
	obj, err := c.get(ctx, r)
	if err != nil || obj == nil {
		return err
	}
	if obj.DeletionTimestamp == nil || !slices.Contains(obj.Finalizers, metav1.FinalizerOrphanDependents) {
		return nil
	}
	for _, d := range c.graph.dependentsOf(r.uid) {
		err := c.editOwnerRefs(ctx, d.ref, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(o metav1.OwnerReference) bool { return o.UID == r.uid })
		})
		if err != nil {
			return fmt.Errorf("orphaning %s %s/%s: %w", d.gvr.Resource, d.namespace, d.name, err)
		}
	}
	return c.removeFinalizer(ctx, r, metav1.FinalizerOrphanDependents)
}

// ownerStateOf looks the owner o of obj up live.
func (c *Collector) ownerStateOf(ctx context.Context, obj *metav1.PartialObjectMetadata, o metav1.OwnerReference) (ownerState, error) {
	if c.isAbsent(o.UID) {
		return ownerDangling, nil
	}
	mapper := c.restMapper()
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	if err != nil {
		return ownerSolid, fmt.Errorf("owner reference %s: %w", o.Name, err)
	}
	mapping, err := mapper.RESTMapping(gv.WithKind(o.Kind).GroupKind(), gv.Version)
	if err != nil {
		// An unknown kind may be a resource not yet discovered: retry later rather
		// than delete.
		return ownerSolid, fmt.Errorf("owner reference %s %s: %w", o.Kind, o.Name, err)
	}
	ns := ""
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.Namespace == "" {
			// A cluster-scoped object cannot be owned by a namespaced one.
			return ownerDangling, nil
		}
		ns = obj.Namespace
	}
	owner, err := c.metadata.Resource(mapping.Resource).Namespace(ns).Get(ctx, o.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		c.markAbsent(o.UID)
		return ownerDangling, nil
	case err != nil:
		return ownerSolid, err
	case owner.UID != o.UID:
		c.markAbsent(o.UID)
		return ownerDangling, nil
	case owner.DeletionTimestamp != nil && slices.Contains(owner.Finalizers, metav1.FinalizerDeleteDependents):
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// editOwnerRefs rewrites r's ownerReferences with edit, under optimistic concurrency.
func (c *Collector) editOwnerRefs(ctx context.Context, r ref, edit func([]metav1.OwnerReference) []metav1.OwnerReference) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, err := c.get(ctx, r)
		if err != nil || obj == nil {
			return err
		}
		refs := edit(slices.Clone(obj.OwnerReferences))
		if slices.EqualFunc(refs, obj.OwnerReferences, sameRef) {
			return nil
		}
		var value any = refs
		if len(refs) == 0 {
			value = nil
		}
		return c.patchMeta(ctx, r, obj.ResourceVersion, "ownerReferences", value)
	})
}

// removeFinalizer removes finalizer from r under optimistic concurrency.
func (c *Collector) removeFinalizer(ctx context.Context, r ref, finalizer string) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, err := c.get(ctx, r)
		if err != nil || obj == nil || !slices.Contains(obj.Finalizers, finalizer) {
			return err
		}
		rest := slices.DeleteFunc(slices.Clone(obj.Finalizers), func(f string) bool { return f == finalizer })
		var value any = rest
		if len(rest) == 0 {
			value = nil
		}
		return c.patchMeta(ctx, r, obj.ResourceVersion, "finalizers", value)
	})
}

// patchMeta sets metadata.field of r with a merge patch that carries the
// resourceVersion it was computed from, so a concurrent change makes it conflict
// instead of being overwritten.
func (c *Collector) patchMeta(ctx context.Context, r ref, rv, field string, value any) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{
		field:             value,
		"resourceVersion": rv,
		"uid":             r.uid,
	}})
	if err != nil {
		return err
	}
	_, err = c.metadata.Resource(r.gvr).Namespace(r.namespace).Patch(ctx, r.name, types.MergePatchType, body, metav1.PatchOptions{})
	return ignoreNotFound(err)
}

func sameRef(a, b metav1.OwnerReference) bool {
	boolOf := func(p *bool) bool { return p != nil && *p }
	return a.UID == b.UID && a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name &&
		boolOf(a.Controller) == boolOf(b.Controller) && boolOf(a.BlockOwnerDeletion) == boolOf(b.BlockOwnerDeletion)
}
