package customresourcedefinition

import (
	"context"
	"slices"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the CustomResourceDefinition rules. Its zero value is ready to use.
type Strategy struct{}

// Default applies upstream's v1 defaults (scope, conversion strategy, list kind, ...).
func (Strategy) Default(obj runtime.Object) {
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(obj.(*apiextensionsv1.CustomResourceDefinition))
}

// PrepareForCreate starts the status afresh: storedVersions holds the storage version,
// and the conditions are the manager's to set.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	crd := obj.(*apiextensionsv1.CustomResourceDefinition)
	crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
	recordStorageVersion(crd)
}

// PrepareForUpdate keeps the status (it changes only through /status), adding a new
// storage version to storedVersions.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	crd := obj.(*apiextensionsv1.CustomResourceDefinition)
	crd.Status = *old.(*apiextensionsv1.CustomResourceDefinition).Status.DeepCopy()
	recordStorageVersion(crd)
}

// PrepareForStatusUpdate keeps what only the main resource changes: the spec and, as
// upstream, labels, annotations, finalizers and owner references.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	crd, prev := obj.(*apiextensionsv1.CustomResourceDefinition), old.(*apiextensionsv1.CustomResourceDefinition)
	crd.Spec = *prev.Spec.DeepCopy()
	crd.Labels, crd.Annotations = prev.Labels, prev.Annotations
	crd.Finalizers, crd.OwnerReferences = prev.Finalizers, prev.OwnerReferences
}

// SpecChanged says whether the spec changed; metadata.generation counts such changes.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*apiextensionsv1.CustomResourceDefinition).Spec, old.(*apiextensionsv1.CustomResourceDefinition).Spec)
}

// Validate checks a new definition with upstream's validation.
func (Strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	in, err := internal(obj)
	if err != nil {
		return field.ErrorList{err}
	}
	return validation.ValidateCustomResourceDefinition(ctx, in)
}

// ValidateUpdate checks an update with upstream's validation (scope and names of an
// established definition, stored versions still served, ...).
func (Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	in, err := internal(obj)
	if err != nil {
		return field.ErrorList{err}
	}
	prev, err := internal(old)
	if err != nil {
		return field.ErrorList{err}
	}
	return validation.ValidateCustomResourceDefinitionUpdate(ctx, in, prev)
}

// ValidateStatusUpdate checks a status update (accepted names, stored versions).
func (Strategy) ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	in, err := internal(obj)
	if err != nil {
		return field.ErrorList{err}
	}
	prev, err := internal(old)
	if err != nil {
		return field.ErrorList{err}
	}
	return validation.ValidateUpdateCustomResourceDefinitionStatus(ctx, in, prev)
}

// PrepareForDelete makes a deleted definition Terminating. It stays until the
// manager has removed its instances and says so in the Terminating condition.
func (Strategy) PrepareForDelete(obj runtime.Object) bool {
	crd := obj.(*apiextensionsv1.CustomResourceDefinition)
	if c := Condition(crd, apiextensionsv1.Terminating); c != nil {
		return c.Reason != ReasonDeletionCompleted
	}
	SetCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{
		Type:    apiextensionsv1.Terminating,
		Status:  apiextensionsv1.ConditionTrue,
		Reason:  "InstanceDeletionPending",
		Message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
	})
	return true
}

// ReasonDeletionCompleted is the Terminating condition's reason once every instance
// of a deleted definition is gone; the definition then leaves storage.
const ReasonDeletionCompleted = "InstanceDeletionCompleted"

// recordStorageVersion adds the storage version to status.storedVersions.
func recordStorageVersion(crd *apiextensionsv1.CustomResourceDefinition) {
	for _, v := range crd.Spec.Versions {
		if v.Storage && !slices.Contains(crd.Status.StoredVersions, v.Name) {
			crd.Status.StoredVersions = append(crd.Status.StoredVersions, v.Name)
		}
	}
}

// internal converts to the internal form upstream's validation reads.
func internal(obj runtime.Object) (*apiextensions.CustomResourceDefinition, *field.Error) {
	out := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(obj.(*apiextensionsv1.CustomResourceDefinition), out, nil); err != nil {
		return nil, field.InternalError(nil, err)
	}
	return out, nil
}
