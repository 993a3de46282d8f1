package claim

import (
	"context"
	"encoding/json"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// PatchFunc patches one object; a typed client's Patch method is one.
type PatchFunc[T any] func(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)

// AdoptPatch is the strategic merge patch that adds ref to an object's
// ownerReferences, guarded by the object's uid. A strategic merge adds to the list
// (merged by uid) without overwriting what another writer put there meanwhile. extra
// holds more metadata fields to merge in the same write (the Job controller adds its
// tracking finalizer); it may be nil.
func AdoptPatch(ref metav1.OwnerReference, uid types.UID, extra map[string]any) ([]byte, error) {
	meta := map[string]any{}
	for k, v := range extra {
		meta[k] = v
	}
	meta["ownerReferences"] = []metav1.OwnerReference{ref}
	meta["uid"] = uid
	return json.Marshal(map[string]any{"metadata": meta})
}

// ReleasePatch is the strategic merge patch that deletes the ownerReference to
// ownerUID from an object, guarded by the object's uid.
func ReleasePatch(ownerUID, uid types.UID) ([]byte, error) {
	return json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": ownerUID}},
		"uid":             uid,
	}})
}

// Adopter returns a Config.Adopt that patches a controller reference to owner (of
// kind gvk, with blockOwnerDeletion) into an object through patch.
func Adopter[T metav1.Object](owner metav1.Object, gvk schema.GroupVersionKind, patch PatchFunc[T]) func(ctx context.Context, obj T) (T, error) {
	return func(ctx context.Context, obj T) (T, error) {
		data, err := AdoptPatch(*metav1.NewControllerRef(owner, gvk), obj.GetUID(), nil)
		if err != nil {
			var zero T
			return zero, err
		}
		return patch(ctx, obj.GetName(), types.StrategicMergePatchType, data, metav1.PatchOptions{})
	}
}

// Releaser returns a Config.Release that patches owner's reference out of an object
// through patch. An object gone, or replaced under the same name (the uid guard
// makes the patch invalid), needs no releasing.
func Releaser[T metav1.Object](owner metav1.Object, patch PatchFunc[T]) func(ctx context.Context, obj T) error {
	return func(ctx context.Context, obj T) error {
		data, err := ReleasePatch(owner.GetUID(), obj.GetUID())
		if err != nil {
			return err
		}
		_, err = patch(ctx, obj.GetName(), types.StrategicMergePatchType, data, metav1.PatchOptions{})
		return IgnoreGone(err)
	}
}

// IgnoreGone drops the errors that mean the patched object is gone or was replaced.
func IgnoreGone(err error) error {
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		return nil
	}
	return err
}
