package registry

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// StorageForm is how a resource served in one version is kept in another, as upstream
// keeps every version of a resource in one storage version: autoscaling/v1
// horizontalpodautoscalers are stored as autoscaling/v2 objects, events.k8s.io/v1 events
// as core/v1 events. Every served version of the resource then reads and writes the same
// stored objects under the same key prefix (/registry/<resource>/), so they share
// resourceVersions and a watch through one version sees the writes made through another.
//
// The conversion happens at the Store's boundary with storage (encode and decode), so
// everything above it (strategies, list, watch, tables) sees only the served type.
type StorageForm struct {
	// GroupVersion is the version objects are stored in. Required.
	GroupVersion schema.GroupVersion
	// New returns an empty object of the stored type. Required.
	New func() runtime.Object
	// ToStorage converts a served object into the stored type, FromStorage a stored
	// object into the served type. Neither may change its argument, and a round trip
	// through both must keep everything the served version can express (data only the
	// stored version has is carried as upstream carries it, in annotations, say).
	// Required.
	ToStorage, FromStorage func(runtime.Object) (runtime.Object, error)
}

// storageGroupVersion is the version the Store encodes objects in.
func (r *Resource) storageGroupVersion() schema.GroupVersion {
	if r.Storage != nil {
		return r.Storage.GroupVersion
	}
	return r.GroupVersionKind().GroupVersion()
}

// newStored returns an empty object of the stored type.
func (r *Resource) newStored() runtime.Object {
	if r.Storage != nil {
		return r.Storage.New()
	}
	return r.New()
}

// toStorage returns obj in its stored form (obj itself when the resource is stored as
// served).
func (r *Resource) toStorage(obj runtime.Object) (runtime.Object, error) {
	if r.Storage == nil {
		return obj, nil
	}
	out, err := r.Storage.ToStorage(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("converting %s to %s: %w", r.GroupVersionKind(), r.Storage.GroupVersion, err))
	}
	return out, nil
}

// fromStorage returns a stored object as the served type.
func (r *Resource) fromStorage(obj runtime.Object) (runtime.Object, error) {
	if r.Storage == nil {
		return obj, nil
	}
	out, err := r.Storage.FromStorage(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("converting %s to %s: %w", r.Storage.GroupVersion, r.GroupVersionKind(), err))
	}
	return out, nil
}

// validStorageForm reports what is missing from a resource's StorageForm.
func (r *Resource) validStorageForm() error {
	f := r.Storage
	if f == nil {
		return nil
	}
	if f.GroupVersion.Version == "" || f.New == nil || f.ToStorage == nil || f.FromStorage == nil {
		return fmt.Errorf("registry: resource %q has an incomplete storage form", r.Resource)
	}
	return nil
}
