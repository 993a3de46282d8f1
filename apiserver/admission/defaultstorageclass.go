package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The annotations that make a StorageClass the cluster's default (the beta one still
// counts upstream) and that name a claim's class in the beta way.
const (
	annDefaultClass     = "storageclass.kubernetes.io/is-default-class"
	annBetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
)

var claimsResource = schema.GroupResource{Resource: "persistentvolumeclaims"}

// StorageClassLister returns every StorageClass (from a cache: a class made a moment
// ago may be missing, as from upstream's informer).
type StorageClassLister func(ctx context.Context) ([]storagev1.StorageClass, error)

// DefaultStorageClass is upstream's plugin of that name for claim creates: a claim
// that asks for no class (spec.storageClassName nil and no beta storage-class
// annotation; "" asks for "no class" and is kept) gets the default class's name. With
// no default class the claim is left as it is; the PersistentVolume controller gives
// it the default once one exists. A failure to list the classes refuses the create
// (403), as upstream.
func DefaultStorageClass(list StorageClassLister) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		pvc, ok := obj.(*corev1.PersistentVolumeClaim)
		if !ok || pvc.Spec.StorageClassName != nil {
			return nil
		}
		if _, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
			return nil
		}
		classes, err := list(ctx)
		if err != nil {
			return apierrors.NewForbidden(claimsResource, pvc.Name, fmt.Errorf("listing storage classes: %w", err))
		}
		if def := defaultClass(classes); def != "" {
			pvc.Spec.StorageClassName = &def
		}
		return nil
	}
}

// defaultClass names the default among classes, "" for none. Several may be marked
// (while an administrator moves the mark, say): upstream takes the newest, and of
// those created in the same instant the first by name. The PersistentVolume
// controller picks by the same rule, so a claim gets the same class either way.
func defaultClass(classes []storagev1.StorageClass) string {
	var best *storagev1.StorageClass
	for i := range classes {
		c := &classes[i]
		if c.Annotations[annDefaultClass] != "true" && c.Annotations[annBetaDefaultClass] != "true" {
			continue
		}
		if best == nil {
			best = c
			continue
		}
		t, bt := c.CreationTimestamp.UnixNano(), best.CreationTimestamp.UnixNano()
		if t > bt || (t == bt && c.Name < best.Name) {
			best = c
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}
