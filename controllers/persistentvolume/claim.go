package persistentvolume

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Upstream's event reasons on claims.
const (
	reasonFailedBinding        = "FailedBinding"
	reasonWaitForFirstConsumer = "WaitForFirstConsumer"
	reasonWaitForPodScheduled  = "WaitForPodScheduled"
	reasonExternalProvisioning = "ExternalProvisioning"
	reasonProvisioningFailed   = "ProvisioningFailed"
	reasonVolumeMismatch       = "VolumeMismatch"
	reasonClaimLost            = "ClaimLost"
	reasonClaimMisbound        = "ClaimMisbound"
)

func (c *Controller) syncClaimKey(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	claim, err := c.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil // its volume was queued by the delete handler
	}
	if err != nil {
		return err
	}
	if metav1.HasAnnotation(claim.ObjectMeta, volumehelpers.AnnBindCompleted) {
		return c.syncBoundClaim(ctx, claim)
	}
	return c.syncUnboundClaim(ctx, claim)
}

// syncUnboundClaim binds a claim that was never bound: to the volume it names, or to
// the best match among the volumes.
func (c *Controller) syncUnboundClaim(ctx context.Context, claim *corev1.PersistentVolumeClaim) error {
	if claim.Spec.VolumeName != "" {
		return c.syncRequestedVolume(ctx, claim)
	}
	class, delay, err := c.bindingMode(claim)
	if err != nil {
		return err
	}
	var node *corev1.Node
	if selected, ok := claim.Annotations[volumehelpers.AnnSelectedNode]; ok && delay {
		// The scheduler chose a node; without it (deleted meanwhile) only a volume the
		// scheduler pre-bound can still be taken.
		node, _ = c.nodes.Get(selected)
	}
	volumes, err := c.volumes.List(labels.Everything())
	if err != nil {
		return err
	}
	volume, err := bestMatch(claim, volumes, delay, node)
	if err != nil {
		return fmt.Errorf("finding a volume for claim %s/%s: %w", claim.Namespace, claim.Name, err)
	}
	if volume != nil {
		return c.bind(ctx, volume, claim)
	}
	if assigned, err := c.assignDefaultClass(ctx, claim); err != nil || assigned {
		return err
	}
	switch {
	case delay && !volumehelpers.IsDelayBindingProvisioning(claim):
		reason, msg := c.waitingFor(claim)
		c.recorder.Event(claim, corev1.EventTypeNormal, reason, msg)
	case volumehelpers.GetPersistentVolumeClaimClass(claim) != "":
		if claim, err = c.provision(ctx, claim, class); err != nil {
			return err
		}
	default:
		c.recorder.Event(claim, corev1.EventTypeNormal, reasonFailedBinding, "no persistent volumes available for this claim and no storage class is set")
	}
	_, err = c.updateClaimStatus(ctx, claim, corev1.ClaimPending, nil)
	return err
}

// bindingMode returns the claim's StorageClass (nil when it names none or a missing
// one) and whether binding waits for the first consumer.
func (c *Controller) bindingMode(claim *corev1.PersistentVolumeClaim) (*storagev1.StorageClass, bool, error) {
	name := volumehelpers.GetPersistentVolumeClaimClass(claim)
	if name == "" {
		return nil, false, nil
	}
	class, err := c.classes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	mode := class.VolumeBindingMode
	return class, mode != nil && *mode == storagev1.VolumeBindingWaitForFirstConsumer, nil
}

// provision is what upstream's binder does for a claim no volume fits: Kite runs no
// provisioner, so it only tells the user who could make the volume. An external
// provisioner finds the claim by the storage-provisioner annotation, as upstream's do.
// It returns the claim as it now is.
func (c *Controller) provision(ctx context.Context, claim *corev1.PersistentVolumeClaim, class *storagev1.StorageClass) (*corev1.PersistentVolumeClaim, error) {
	if class == nil {
		msg := fmt.Sprintf("storageclass.storage.k8s.io %q not found", volumehelpers.GetPersistentVolumeClaimClass(claim))
		c.recorder.Event(claim, corev1.EventTypeWarning, reasonProvisioningFailed, msg)
		return claim, nil
	}
	if strings.HasPrefix(class.Provisioner, "kubernetes.io/") {
		// In-tree provisioner names (and kubernetes.io/no-provisioner): upstream
		// looks them up among its volume plugins; Kite has none.
		c.recorder.Event(claim, corev1.EventTypeWarning, reasonProvisioningFailed, "no volume plugin matched name: "+class.Provisioner)
		return claim, nil
	}
	if claim.Annotations[volumehelpers.AnnStorageProvisioner] != class.Provisioner ||
		claim.Annotations[volumehelpers.AnnBetaStorageProvisioner] != class.Provisioner {
		clone := claim.DeepCopy()
		metav1.SetMetaDataAnnotation(&clone.ObjectMeta, volumehelpers.AnnStorageProvisioner, class.Provisioner)
		metav1.SetMetaDataAnnotation(&clone.ObjectMeta, volumehelpers.AnnBetaStorageProvisioner, class.Provisioner)
		updated, err := c.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Update(ctx, clone, metav1.UpdateOptions{})
		if err != nil {
			return claim, err
		}
		claim = updated
	}
	c.recorder.Event(claim, corev1.EventTypeNormal, reasonExternalProvisioning,
		fmt.Sprintf("Waiting for a volume to be created either by the external provisioner '%s' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", class.Provisioner))
	return claim, nil
}

// syncRequestedVolume binds a claim to the volume its spec.volumeName names.
func (c *Controller) syncRequestedVolume(ctx context.Context, claim *corev1.PersistentVolumeClaim) error {
	volume, err := c.volumes.Get(claim.Spec.VolumeName)
	if apierrors.IsNotFound(err) {
		// Maybe not created yet; its creation queues the claim.
		_, err = c.updateClaimStatus(ctx, claim, corev1.ClaimPending, nil)
		return err
	}
	if err != nil {
		return err
	}
	switch {
	case volume.Spec.ClaimRef == nil:
		if err := satisfies(volume, claim); err != nil {
			c.recorder.Event(claim, corev1.EventTypeWarning, reasonVolumeMismatch,
				fmt.Sprintf("Cannot bind to requested volume %q: %s", volume.Name, err))
			_, err = c.updateClaimStatus(ctx, claim, corev1.ClaimPending, nil)
			return err
		}
		return c.bind(ctx, volume, claim)
	case volumehelpers.IsVolumeBoundToClaim(volume, claim):
		return c.bind(ctx, volume, claim)
	default:
		c.recorder.Event(claim, corev1.EventTypeWarning, reasonFailedBinding,
			fmt.Sprintf("volume %q already bound to a different claim.", volume.Name))
		if metav1.HasAnnotation(claim.ObjectMeta, volumehelpers.AnnBoundByController) {
			return fmt.Errorf("invalid binding of claim %s/%s to volume %q: volume already claimed by %s",
				claim.Namespace, claim.Name, volume.Name, claimRefKey(volume.Spec.ClaimRef))
		}
		_, err = c.updateClaimStatus(ctx, claim, corev1.ClaimPending, nil)
		return err
	}
}

// syncBoundClaim keeps a claim that was bound: Bound while its volume still points back
// at it, Lost (for good) when the volume is gone or taken.
func (c *Controller) syncBoundClaim(ctx context.Context, claim *corev1.PersistentVolumeClaim) error {
	if claim.Spec.VolumeName == "" {
		return c.claimLost(ctx, claim, reasonClaimLost, "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
	}
	volume, err := c.volumes.Get(claim.Spec.VolumeName)
	if apierrors.IsNotFound(err) {
		return c.claimLost(ctx, claim, reasonClaimLost, "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
	}
	if err != nil {
		return err
	}
	if volume.Spec.ClaimRef == nil || volume.Spec.ClaimRef.UID == claim.UID {
		// Unbound by someone (or the controller has not seen its own write yet): bind
		// again; when all is already in place, bind writes nothing.
		return c.bind(ctx, volume, claim)
	}
	return c.claimLost(ctx, claim, reasonClaimMisbound, "Two claims are bound to the same volume, this one is bound incorrectly")
}

// claimLost sets phase Lost and says why, once: the event goes with the transition.
func (c *Controller) claimLost(ctx context.Context, claim *corev1.PersistentVolumeClaim, reason, msg string) error {
	if claim.Status.Phase == corev1.ClaimLost {
		return nil
	}
	updated, err := c.updateClaimStatus(ctx, claim, corev1.ClaimLost, nil)
	if err != nil {
		return err
	}
	c.recorder.Event(updated, corev1.EventTypeWarning, reason, msg)
	return nil
}

// waitingFor is the event of a claim waiting for its first consumer: the pods that use
// it but are not scheduled yet, when there are any, else the consumer itself.
func (c *Controller) waitingFor(claim *corev1.PersistentVolumeClaim) (reason, msg string) {
	var names []string
	if c.pods != nil {
		pods, _ := c.pods.Pods(claim.Namespace).List(labels.Everything())
		for _, p := range pods {
			if p.Spec.NodeName == "" && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && usesClaim(p, claim.Name) {
				names = append(names, p.Name)
			}
		}
	}
	switch len(names) {
	case 0:
		return reasonWaitForFirstConsumer, "waiting for first consumer to be created before binding"
	case 1:
		return reasonWaitForPodScheduled, fmt.Sprintf("waiting for pod %s to be scheduled", names[0])
	}
	slices.Sort(names)
	return reasonWaitForPodScheduled, fmt.Sprintf("waiting for pods %s to be scheduled", strings.Join(names, ","))
}

// usesClaim: pod mounts the claim, or the claim is one of its generic ephemeral
// volumes (named <pod>-<volume>).
func usesClaim(pod *corev1.Pod, claim string) bool {
	for _, v := range pod.Spec.Volumes {
		if (v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim) ||
			(v.Ephemeral != nil && pod.Name+"-"+v.Name == claim) {
			return true
		}
	}
	return false
}
