package localpath

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// annDefaultClass marks the cluster's default StorageClass.
const annDefaultClass = "storageclass.kubernetes.io/is-default-class"

// DefaultClass is the StorageClass made at start: the cluster's default, binding on
// first consumer (the node must be known before a directory can be made there) and
// deleting its volumes with their claims, as k3s's local-path class does.
func DefaultClass() *storagev1.StorageClass {
	mode := storagev1.VolumeBindingWaitForFirstConsumer
	reclaim := corev1.PersistentVolumeReclaimDelete
	return &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: ClassName, Annotations: map[string]string{annDefaultClass: "true"}},
		Provisioner:       Provisioner,
		ReclaimPolicy:     &reclaim,
		VolumeBindingMode: &mode,
	}
}

// ensureClass creates the class unless one of its name exists; an existing class is
// the administrator's, left as it is.
func (c *Controller) ensureClass(ctx context.Context) error {
	_, err := c.client.StorageV1().StorageClasses().Get(ctx, ClassName, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return err
	}
	_, err = c.client.StorageV1().StorageClasses().Create(ctx, DefaultClass(), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err == nil {
		c.logger.Info("created the default StorageClass", "class", ClassName)
	}
	return err
}
