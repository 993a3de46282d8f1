package localpath

import (
	"context"
	"slices"

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

// syncVolume keeps a volume this provisioner made: it carries the clean-up finalizer
// (volumes made before the finalizer existed get it too), and once it is Released with
// reclaimPolicy Delete its object is deleted. The node agent of the volume's node then
// removes the directory and the finalizer. When that node is gone from the cluster,
// no agent ever will, so the finalizer is dropped here and the directory, wherever it
// is, is left.
func (c *Controller) syncVolume(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Annotations[annProvisionedBy] != Provisioner {
		return nil
	}
	if pv.DeletionTimestamp != nil {
		return c.releaseOrphan(ctx, pv)
	}
	if !slices.Contains(pv.Finalizers, Finalizer) {
		clone := pv.DeepCopy()
		clone.Finalizers = append(clone.Finalizers, Finalizer)
		updated, err := c.client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		pv = updated
	}
	if pv.Status.Phase != corev1.VolumeReleased || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return nil
	}
	// The uid precondition keeps a volume recreated under the same name safe.
	err := c.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pv.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.logger.Info("volume deleted; its node's agent removes the directory", "pv", pv.Name, "node", pv.Annotations[annNode])
	return nil
}

// releaseOrphan drops the finalizer of a deleted volume whose node no longer exists:
// as upstream's pod garbage collector treats the pods of a deleted Node, the node is
// taken to be gone for good, and a volume object no agent will finish would otherwise
// stay Terminating forever.
func (c *Controller) releaseOrphan(ctx context.Context, pv *corev1.PersistentVolume) error {
	if !slices.Contains(pv.Finalizers, Finalizer) {
		return nil
	}
	node := pv.Annotations[annNode]
	if node != "" {
		if _, err := c.nodes.Get(node); !apierrors.IsNotFound(err) {
			return err // there, or unknown: its agent cleans up
		}
		// The informer may lag behind a Node made a moment ago: ask the server.
		if _, err := c.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return err
		}
	}
	clone := pv.DeepCopy()
	clone.Finalizers = slices.DeleteFunc(clone.Finalizers, func(f string) bool { return f == Finalizer })
	if _, err := c.client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.recorder.Event(pv, corev1.EventTypeWarning, reasonVolumeFailedDelete,
		"node "+node+" no longer exists: the volume's directory there, if any, is left in place")
	c.logger.Info("volume's node is gone; finalizer removed", "pv", pv.Name, "node", node)
	return nil
}
