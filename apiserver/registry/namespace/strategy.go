package namespace

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
)

// Strategy is the namespace rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate makes a new namespace Active with the "kubernetes" finalizer, which
// keeps it until the namespace controller has emptied it, whatever the client sent.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
	setNameLabel(ns)
}

// PrepareForUpdate keeps finalizers and status: they change only through the finalize
// and status subresources.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Spec.Finalizers = oldNS.Spec.Finalizers
	ns.Status = oldNS.Status
	setNameLabel(ns)
}

// Default applies upstream's v1 defaults: an empty phase is Active, and a named
// namespace carries its name label.
func (Strategy) Default(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
	setNameLabel(ns)
}

// Canonicalize sets the name label once the name is final. The Store generates a
// generateName namespace's name after PrepareForCreate, so only a call here, after
// naming, can label such a namespace (upstream does it in the same place).
func (Strategy) Canonicalize(obj runtime.Object) {
	setNameLabel(obj.(*corev1.Namespace))
}

// PrepareForStatusUpdate keeps the spec: a status update changes only status (and
// metadata, as upstream allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Spec = oldNS.Spec
	setNameLabel(ns)
}

// PrepareForFinalizeUpdate keeps the status: the finalize subresource changes
// spec.finalizers (and metadata).
func (Strategy) PrepareForFinalizeUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Status = oldNS.Status
	setNameLabel(ns)
}

// Fields returns the fields a namespace list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	ns := obj.(*corev1.Namespace)
	return fields.Set{
		"metadata.name": ns.Name,
		"status.phase":  string(ns.Status.Phase),
	}
}

// Verbs are the verbs upstream serves on namespaces: all but deletecollection, since
// deleting every namespace at once is never what anybody means.
func (Strategy) Verbs() []string {
	return []string{"create", "delete", "get", "list", "patch", "update", "watch"}
}

// ValidateFinalizeUpdate checks an update through the finalize subresource.
func (Strategy) ValidateFinalizeUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	var errs field.ErrorList
	path := field.NewPath("spec", "finalizers")
	for i, f := range ns.Spec.Finalizers {
		errs = append(errs, validateFinalizer(string(f), path.Index(i))...)
	}
	return errs
}

// setNameLabel makes the kubernetes.io/metadata.name label the namespace's name. A
// namespace without a name yet (generateName) gets it later, from Canonicalize.
func setNameLabel(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

// PrepareForDelete makes a deleted namespace Terminating; it stays until its
// spec.finalizers are gone (the namespace controller empties it, then finalizes it), as
// upstream.
func (Strategy) PrepareForDelete(obj runtime.Object) bool {
	ns := obj.(*corev1.Namespace)
	ns.Status.Phase = corev1.NamespaceTerminating
	return len(ns.Spec.Finalizers) > 0
}
