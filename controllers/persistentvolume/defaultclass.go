package persistentvolume

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// The annotations that make a StorageClass the cluster's default; the beta one still
// counts upstream.
const (
	annDefaultClass     = "storageclass.kubernetes.io/is-default-class"
	annBetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class"
)

// assignDefaultClass is upstream's retroactive default StorageClass: a claim that asks
// for no class (spec.storageClassName nil, no beta annotation), for which no volume was
// found, gets the default class, as the DefaultStorageClass admission plugin would
// have given it had the class existed when the claim was made. It reports whether it
// wrote the claim; the write's own event syncs it again with its class.
func (c *Controller) assignDefaultClass(ctx context.Context, claim *corev1.PersistentVolumeClaim) (bool, error) {
	if volumehelpers.PersistentVolumeClaimHasClass(claim) {
		return false, nil
	}
	classes, err := c.classes.List(labels.Everything())
	if err != nil {
		return false, err
	}
	def := defaultClass(classes)
	if def == "" {
		return false, nil
	}
	clone := claim.DeepCopy()
	clone.Spec.StorageClassName = &def
	if _, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, clone, metav1.UpdateOptions{}); err != nil {
		return false, err
	}
	c.logger.Info("assigned the default StorageClass", "pvc", claim.Namespace+"/"+claim.Name, "class", def)
	return true, nil
}

// defaultClass names the default among classes, "" for none: of several marked, the
// newest, and of those made in the same instant the first by name, upstream's rule
// (the API server's DefaultStorageClass admission picks by the same one).
func defaultClass(classes []*storagev1.StorageClass) string {
	var best *storagev1.StorageClass
	for _, sc := range classes {
		if sc.Annotations[annDefaultClass] != "true" && sc.Annotations[annBetaDefaultClass] != "true" {
			continue
		}
		if best == nil {
			best = sc
			continue
		}
		t, bt := sc.CreationTimestamp.UnixNano(), best.CreationTimestamp.UnixNano()
		if t > bt || (t == bt && sc.Name < best.Name) {
			best = sc
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}
