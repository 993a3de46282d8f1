package persistentvolume

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Upstream's event reasons for reclaiming.
const (
	reasonVolumeFailedRecycle = "VolumeFailedRecycle"
	reasonVolumeFailedDelete  = "VolumeFailedDelete"
)

// reclaim applies a Released volume's reclaimPolicy.
func (c *Controller) reclaim(ctx context.Context, volume *corev1.PersistentVolume) error {
	switch volume.Spec.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimRecycle:
		// Upstream recycles NFS and hostPath volumes with a scrubber pod, a feature
		// it deprecated long ago; Kite has no recycler, as an upstream cluster
		// without one would say.
		return c.updateVolumePhaseWithEvent(ctx, volume, corev1.VolumeFailed, corev1.EventTypeWarning,
			reasonVolumeFailedRecycle, "No recycler plugin found for the volume!")
	case corev1.PersistentVolumeReclaimDelete:
		return c.deleteVolume(ctx, volume)
	default: // Retain: the administrator decides.
		return nil
	}
}

// deleteVolume carries out reclaimPolicy Delete.
//
// Kite deletes no storage. For hostPath and local volumes (directories on a node, the
// only volumes Kite's node agent mounts itself) it deletes the PersistentVolume object
// and never the directory: upstream's hostPath deleter is a test aid limited to /tmp,
// and a local volume's directory belongs to the administrator, so removing data from
// disk is never right for a binder that cannot see the node. Volumes an external
// provisioner made are its to delete, as upstream leaves them. Any other volume has no
// deleter, so it is marked Failed with upstream's message.
func (c *Controller) deleteVolume(ctx context.Context, volume *corev1.PersistentVolume) error {
	if by, ok := volume.Annotations[volumehelpers.AnnDynamicallyProvisioned]; ok && !strings.HasPrefix(by, "kubernetes.io/") {
		return nil
	}
	if volume.Spec.HostPath == nil && volume.Spec.Local == nil {
		msg := fmt.Sprintf("error getting deleter volume plugin for volume %q: no deletable volume plugin matched", volume.Name)
		return c.updateVolumePhaseWithEvent(ctx, volume, corev1.VolumeFailed, corev1.EventTypeWarning, reasonVolumeFailedDelete, msg)
	}
	// The uid precondition keeps a volume recreated under the same name safe.
	err := c.client.CoreV1().PersistentVolumes().Delete(ctx, volume.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &volume.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.logger.Info("volume deleted", "pv", volume.Name)
	return nil
}
