package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// The verbs of a Store. Namespace is "" for cluster-scoped resources (and for a list or
// watch across all namespaces). opts.DryRun ["All"] runs every step but the write.

// Get returns the object, or a 404 Status error.
func (s *Store) Get(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
	return nil, s.notImplemented("get")
}

// List returns a list object (Resource.NewList's type) honouring label and field
// selectors, limit/continue and resourceVersion/resourceVersionMatch as upstream.
func (s *Store) List(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error) {
	return nil, s.notImplemented("list")
}

// Watch streams changes as upstream: with resourceVersion "" or "0" it first sends an
// ADDED event for every existing object; from "N" the changes after N; a compacted N
// yields an ERROR event carrying a 410 Expired Status. Bookmarks when
// opts.AllowWatchBookmarks; opts.SendInitialEvents as upstream (initial events, then a
// bookmark annotated k8s.io/initial-events-end). Label and field selectors apply, and an
// object leaving the selection is sent as DELETED. The watch ends when ctx ends or Stop
// is called; timeoutSeconds is the caller's business (it cancels ctx).
func (s *Store) Watch(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	return nil, s.notImplemented("watch")
}

// Create stores a new object (name or generateName) and returns it as stored.
func (s *Store) Create(ctx context.Context, namespace string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
	return nil, s.notImplemented("create")
}

// Update replaces the object, through subresource "" (the object) or "status". An
// object with a resourceVersion must still be at it (else 409 Conflict); without one the
// update is unconditional.
func (s *Store) Update(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.UpdateOptions, subresource string) (runtime.Object, error) {
	return nil, s.notImplemented("update")
}

// UpdateWith reads the object, calls fn with a copy, and writes what fn returns, retrying
// from a fresh read on conflicts (patches use it). fn's errors are returned as they are
// (make them Status errors).
func (s *Store) UpdateWith(ctx context.Context, namespace, name string, fn func(current runtime.Object) (runtime.Object, error), opts metav1.UpdateOptions, subresource string) (runtime.Object, error) {
	return nil, s.notImplemented("patch")
}

// Delete deletes the object. deleted is false when the object still exists afterwards
// (finalizers pending, or a graceful deletion): obj is then the object with its
// deletionTimestamp set, and upstream answers 202. When deleted, obj is the object as it
// was last stored.
func (s *Store) Delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) (obj runtime.Object, deleted bool, err error) {
	return nil, false, s.notImplemented("delete")
}

// DeleteCollection deletes every object the list options select and returns the list of
// what it deleted (or marked for deletion).
func (s *Store) DeleteCollection(ctx context.Context, namespace string, listOpts metav1.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error) {
	return nil, s.notImplemented("deletecollection")
}
