package persistentvolume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// bind makes volume and claim point at each other and marks both Bound. Each step
// writes only what is missing, so bind finishes a binding another sync began, and does
// nothing at all on a pair already bound.
func (c *Controller) bind(ctx context.Context, volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) error {
	// Each step returns its argument when it wrote nothing, which tells a binding
	// made now from one found complete.
	origVolume, origClaim := volume, claim
	volume, err := c.bindVolumeToClaim(ctx, volume, claim)
	if err != nil {
		return fmt.Errorf("binding volume %s to claim %s/%s: %w", volume.Name, claim.Namespace, claim.Name, err)
	}
	if volume, err = c.updateVolumePhase(ctx, volume, corev1.VolumeBound, ""); err != nil {
		return fmt.Errorf("marking volume %s Bound: %w", volume.Name, err)
	}
	if claim, err = c.bindClaimToVolume(ctx, claim, volume); err != nil {
		return fmt.Errorf("binding claim %s/%s to volume %s: %w", claim.Namespace, claim.Name, volume.Name, err)
	}
	final, err := c.updateClaimStatus(ctx, claim, corev1.ClaimBound, volume)
	if err != nil {
		return fmt.Errorf("marking claim %s/%s Bound: %w", claim.Namespace, claim.Name, err)
	}
	if volume != origVolume || final != origClaim {
		c.logger.Info("claim bound", "pvc", claim.Namespace+"/"+claim.Name, "pv", volume.Name)
	}
	return nil
}

// bindVolumeToClaim sets the volume's claimRef (with the claim's uid) and, when the
// controller chose the volume, the bound-by-controller annotation.
func (c *Controller) bindVolumeToClaim(ctx context.Context, volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) (*corev1.PersistentVolume, error) {
	clone, dirty, err := volumehelpers.GetBindVolumeToClaim(volume, claim)
	if err != nil || !dirty {
		return volume, err
	}
	updated, err := c.client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return volume, err
	}
	return updated, nil
}

// bindClaimToVolume sets the claim's volumeName and the bind-completed annotation, and
// bound-by-controller when the user did not name the volume.
func (c *Controller) bindClaimToVolume(ctx context.Context, claim *corev1.PersistentVolumeClaim, volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	clone := claim.DeepCopy()
	dirty := false
	if clone.Spec.VolumeName != volume.Name {
		clone.Spec.VolumeName = volume.Name
		metav1.SetMetaDataAnnotation(&clone.ObjectMeta, volumehelpers.AnnBoundByController, "yes")
		dirty = true
	}
	if !metav1.HasAnnotation(clone.ObjectMeta, volumehelpers.AnnBindCompleted) {
		metav1.SetMetaDataAnnotation(&clone.ObjectMeta, volumehelpers.AnnBindCompleted, "yes")
		dirty = true
	}
	if !dirty {
		return claim, nil
	}
	updated, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return claim, err
	}
	return updated, nil
}

// updateClaimStatus sets the claim's phase; with a volume, the access modes it got and,
// when it is becoming Bound, the volume's capacity (later a resize may make them differ
// on purpose, so a Bound claim's capacity is left alone). Without one, both are cleared.
func (c *Controller) updateClaimStatus(ctx context.Context, claim *corev1.PersistentVolumeClaim, phase corev1.PersistentVolumeClaimPhase, volume *corev1.PersistentVolume) (*corev1.PersistentVolumeClaim, error) {
	clone := claim.DeepCopy()
	clone.Status.Phase = phase
	if volume == nil {
		clone.Status.AccessModes = nil
		clone.Status.Capacity = nil
	} else {
		clone.Status.AccessModes = volume.Spec.AccessModes
		if claim.Status.Phase != phase {
			size, ok := volume.Spec.Capacity[corev1.ResourceStorage]
			if !ok {
				return claim, fmt.Errorf("PersistentVolume %q is without a storage capacity", volume.Name)
			}
			clone.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: size}
		}
	}
	if apiequality.Semantic.DeepEqual(claim.Status, clone.Status) {
		return claim, nil
	}
	updated, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).UpdateStatus(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return claim, err
	}
	c.logger.Debug("claim entered phase", "pvc", claim.Namespace+"/"+claim.Name, "phase", phase)
	return updated, nil
}

// updateVolumePhase sets the volume's phase and message when the phase changes.
func (c *Controller) updateVolumePhase(ctx context.Context, volume *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, msg string) (*corev1.PersistentVolume, error) {
	if volume.Status.Phase == phase {
		return volume, nil
	}
	clone := volume.DeepCopy()
	clone.Status.Phase = phase
	clone.Status.Message = msg
	updated, err := c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return volume, err
	}
	c.logger.Debug("volume entered phase", "pv", volume.Name, "phase", phase)
	return updated, nil
}

// updateVolumePhaseWithEvent is updateVolumePhase that also records why, once per
// transition.
func (c *Controller) updateVolumePhaseWithEvent(ctx context.Context, volume *corev1.PersistentVolume, phase corev1.PersistentVolumePhase, eventType, reason, msg string) error {
	if volume.Status.Phase == phase {
		return nil
	}
	updated, err := c.updateVolumePhase(ctx, volume, phase, msg)
	if err != nil {
		return err
	}
	c.recorder.Event(updated, eventType, reason, msg)
	return nil
}

// unbindVolume frees a volume whose claim went to another volume: a binding the
// controller made is undone; one the user made (pre-binding) keeps its claim's name
// and loses only the uid, so it waits for that claim again.
func (c *Controller) unbindVolume(ctx context.Context, volume *corev1.PersistentVolume) error {
	clone := volume.DeepCopy()
	if metav1.HasAnnotation(clone.ObjectMeta, volumehelpers.AnnBoundByController) {
		clone.Spec.ClaimRef = nil
		delete(clone.Annotations, volumehelpers.AnnBoundByController)
		if len(clone.Annotations) == 0 {
			clone.Annotations = nil
		}
	} else {
		clone.Spec.ClaimRef.UID = ""
	}
	updated, err := c.client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	_, err = c.updateVolumePhase(ctx, updated, corev1.VolumeAvailable, "")
	return err
}
