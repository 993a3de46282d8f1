package localpath

import (
	"context"
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (c *Controller) syncVolumeKey(ctx context.Context, name string) error {
	pv, err := c.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.syncVolume(ctx, pv)
}

// syncVolume deletes a volume this provisioner made once it is Released with
// reclaimPolicy Delete: first its directory, when it is on the local node, then the
// object. Were the object deleted first, a failed removal would leave a directory no
// object points to any more.
func (c *Controller) syncVolume(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Annotations[annProvisionedBy] != Provisioner || pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return nil
	}
	if node := pv.Annotations[annNode]; node != "" && node == c.localNode {
		path, err := c.ownDirectory(pv)
		if err != nil {
			// Not ours to remove: say so once and leave the volume for a person.
			c.recorder.Event(pv, corev1.EventTypeWarning, reasonVolumeFailedDelete, err.Error())
			return nil
		}
		if err := c.fs.Remove(path); err != nil {
			c.recorder.Event(pv, corev1.EventTypeWarning, reasonVolumeFailedDelete, err.Error())
			return err
		}
	}
	// The uid precondition keeps a volume recreated under the same name safe.
	err := c.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pv.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.logger.Info("volume deleted", "pv", pv.Name)
	return nil
}

// ownDirectory returns pv's directory if it is exactly the one this provisioner makes
// for pv's claim: a volume's spec can be edited, and nothing else may be removed.
func (c *Controller) ownDirectory(pv *corev1.PersistentVolume) (string, error) {
	ref := pv.Spec.ClaimRef
	if pv.Spec.HostPath == nil || ref == nil || ref.UID == "" || pv.Name != volumeName(ref.UID) {
		return "", fmt.Errorf("volume %s is not a local-path volume of this provisioner's making; its directory is left in place", pv.Name)
	}
	want := filepath.Join(c.storageDir, dirName(ref.UID, ref.Namespace, ref.Name))
	// The claim's names cannot hold a separator, but the check costs nothing.
	if pv.Spec.HostPath.Path != want || filepath.Dir(want) != c.storageDir {
		return "", fmt.Errorf("volume %s: path %q is not %q; its directory is left in place", pv.Name, pv.Spec.HostPath.Path, want)
	}
	return want, nil
}
