package registry

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource describes one served resource in one group version.
type Resource struct {
	// Group ("" for core), Version, Resource (plural, lower case) and Kind as upstream.
	Group, Version, Resource, Kind string
	// SingularName is the lower-case singular name ("configmap").
	SingularName string
	// Namespaced is true for namespaced resources.
	Namespaced bool
	// ShortNames and Categories as upstream publishes them in discovery ("cm"; "all").
	ShortNames, Categories []string
	// Subresources served besides the main resource ("status", "scale", ...).
	Subresources []string
	// StorageTTL, when set, makes stored objects expire (upstream keeps events for an
	// hour).
	StorageTTL time.Duration
	// Storage, when set, is the form objects are stored in because it is not the served
	// one (see StorageForm): the resource is served in several versions that all keep
	// the same objects. Nil: stored as served.
	Storage *StorageForm
	// ValidateName checks a name (or, with prefix, a generateName prefix) and returns
	// messages as apimachinery's name validators do. Default: a DNS-1123 subdomain.
	ValidateName func(name string, prefix bool) []string
	// New returns an empty object (e.g. &corev1.ConfigMap{}); NewList an empty list.
	New, NewList func() runtime.Object
	// Strategy holds the resource's rules. Required.
	Strategy Strategy
}

// GroupVersionResource names the resource.
func (r *Resource) GroupVersionResource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Resource}
}

// GroupVersionKind names the resource's kind.
func (r *Resource) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// GroupResource is what error messages name ("configmaps", "deployments.apps").
func (r *Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Resource}
}

// Strategy is what a resource adds to the generic Store: its own rules. Objects passed
// in are of the resource's type (what Resource.New returns) with ObjectMeta filled in by
// the Store (name, namespace, uid, creationTimestamp, ...) before Validate is called.
type Strategy interface {
	// PrepareForCreate clears what a client may not set on create (for a resource with
	// a status subresource: status) and sets initial values.
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	// PrepareForUpdate keeps from old what an update of the main resource may not
	// change (for a resource with a status subresource: status).
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	// Default fills in defaults, as upstream's defaulting functions do. The Store calls
	// it first, before PrepareForCreate or PrepareForUpdate, as upstream defaults on
	// decoding.
	Default(obj runtime.Object)
	// Validate checks a new object; ValidateUpdate an update (immutable fields).
	// Errors carry field paths as upstream's validation does.
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
}

// GenerationStrategy is implemented by resources whose spec changes bump
// metadata.generation; it says whether the change from old to obj is one.
type GenerationStrategy interface {
	SpecChanged(obj, old runtime.Object) bool
}

// StatusStrategy is implemented by resources with a status subresource: an update
// through /status changes only the status. PrepareForStatusUpdate restores from old
// whatever else the resource protects (the spec; for some, as upstream, labels and
// annotations too).
type StatusStrategy interface {
	PrepareForStatusUpdate(ctx context.Context, obj, old runtime.Object)
	ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
}

// FieldsStrategy is implemented by resources that support field selectors beyond
// metadata.name and metadata.namespace; Fields returns every selectable field of obj
// (including those two).
type FieldsStrategy interface {
	Fields(obj runtime.Object) fields.Set
}

// TableStrategy is implemented by resources with upstream's `kubectl get` columns.
// TableColumns are all the columns, Name first, as upstream's printer defines them;
// TableRow returns one cell per column for obj. Without it a resource prints Name and
// Created At, as upstream's default table does.
type TableStrategy interface {
	TableColumns() []metav1.TableColumnDefinition
	TableRow(obj runtime.Object) ([]any, error)
}

// CanonicalizeStrategy is implemented by resources that derive fields from the final
// name (namespaces label themselves with it); the Store calls it once the name is
// known, after generateName.
type CanonicalizeStrategy interface {
	Canonicalize(obj runtime.Object)
}

// FinalizeStrategy is implemented by resources with a finalize subresource
// (namespaces): an update through /finalize changes only what it names.
type FinalizeStrategy interface {
	PrepareForFinalizeUpdate(ctx context.Context, obj, old runtime.Object)
	ValidateFinalizeUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
}

// DeletionStrategy is implemented by resources whose objects stay after a delete until
// something outside metadata.finalizers is done (a namespace waits for its
// spec.finalizers). PrepareForDelete marks obj as being deleted (a namespace becomes
// Terminating) and reports whether it must stay although no metadata finalizer is left.
type DeletionStrategy interface {
	PrepareForDelete(obj runtime.Object) (keep bool)
}

// GracefulStrategy is implemented by resources whose objects are deleted gracefully
// (pods): a delete first marks the object with a deletionTimestamp in the future and
// leaves it for its owner (the kubelet) to finish, which deletes it again with a grace
// period of 0. GracePeriod returns the period in seconds a first delete with opts gives
// obj: 0 deletes at once; a negative period counts as 1. The Store applies upstream's
// rules for deleting again (only shortening) and for updates during the period.
type GracefulStrategy interface {
	GracePeriod(obj runtime.Object, opts metav1.DeleteOptions) int64
}

// VerbsStrategy is implemented by resources that do not support every verb of the
// Store (namespaces have no deletecollection); Verbs lists those they do, as discovery
// publishes them.
type VerbsStrategy interface {
	Verbs() []string
}
