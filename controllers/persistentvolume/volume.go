package persistentvolume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Upstream's event reason on volumes whose claim cannot use them.
const reasonVolumeMismatchOnVolume = "VolumeMismatch"

func (c *Controller) syncVolumeKey(ctx context.Context, name string) error {
	volume, err := c.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.syncVolume(ctx, volume)
}

// syncVolume keeps a volume's phase: Available while free or reserved for a claim not
// bound yet, Bound while its claim points back, Released (and reclaimed) once its
// claim is gone.
func (c *Controller) syncVolume(ctx context.Context, volume *corev1.PersistentVolume) error {
	ref := volume.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		// Free, or pre-bound by the user to a claim whose sync will bind it.
		_, err := c.updateVolumePhase(ctx, volume, corev1.VolumeAvailable, "")
		return err
	}
	claim, err := c.claimOf(ctx, volume)
	if err != nil {
		return err
	}
	switch {
	case claim == nil:
		return c.released(ctx, volume)
	case claim.Spec.VolumeName == "":
		if volumehelpers.CheckVolumeModeMismatches(&claim.Spec, &volume.Spec) {
			// The claim's sync will never pick this volume; say so on both.
			c.recorder.Event(volume, corev1.EventTypeWarning, reasonVolumeMismatchOnVolume,
				fmt.Sprintf("Cannot bind PersistentVolume to requested PersistentVolumeClaim %q due to incompatible volumeMode.", claim.Name))
			c.recorder.Event(claim, corev1.EventTypeWarning, reasonVolumeMismatch,
				fmt.Sprintf("Cannot bind PersistentVolume %q to requested PersistentVolumeClaim due to incompatible volumeMode.", volume.Name))
			return nil
		}
		// Half bound (the scheduler's pre-binding, or our own interrupted bind): the
		// claim's sync finishes it.
		c.claimQ.Add(claimKey(claim.Namespace, claim.Name))
		return nil
	case claim.Spec.VolumeName == volume.Name:
		_, err := c.updateVolumePhase(ctx, volume, corev1.VolumeBound, "")
		return err
	case metav1.HasAnnotation(volume.ObjectMeta, volumehelpers.AnnDynamicallyProvisioned) &&
		volume.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete:
		// Provisioned for this claim, which got another volume: not needed.
		return c.released(ctx, volume)
	default:
		// The claim went to another volume.
		return c.unbindVolume(ctx, volume)
	}
}

// claimOf returns the claim volume's claimRef names, or nil when that claim is gone
// (deleted, or deleted and created again under the same name). A volume must not be
// reclaimed on the word of a stale cache, so a miss is checked with the API server.
func (c *Controller) claimOf(ctx context.Context, volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	ref := volume.Spec.ClaimRef
	claim, err := c.claims.PersistentVolumeClaims(ref.Namespace).Get(ref.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	released := volume.Status.Phase == corev1.VolumeReleased || volume.Status.Phase == corev1.VolumeFailed
	if (claim == nil && !released) || (claim != nil && claim.UID != ref.UID) {
		claim, err = c.client.CoreV1().PersistentVolumeClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if claim == nil || claim.UID != ref.UID {
		return nil, nil
	}
	return claim, nil
}

// released marks a volume whose claim is gone Released, unless it already is (or is
// Failed, which the user should keep seeing), and applies its reclaim policy.
func (c *Controller) released(ctx context.Context, volume *corev1.PersistentVolume) error {
	if volume.Status.Phase != corev1.VolumeReleased && volume.Status.Phase != corev1.VolumeFailed {
		updated, err := c.updateVolumePhase(ctx, volume, corev1.VolumeReleased, "")
		if err != nil {
			return err
		}
		c.logger.Info("volume released", "pv", volume.Name, "reclaimPolicy", volume.Spec.PersistentVolumeReclaimPolicy)
		volume = updated
	}
	return c.reclaim(ctx, volume)
}
