package localpath

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"
)

// Annotations read and written: the binder's mark on claims for their provisioner, the
// scheduler's chosen node, upstream's mark on provisioned volumes, and the node a
// volume's directory is on (ours).
const (
	annStorageProvisioner = volumehelpers.AnnStorageProvisioner
	annSelectedNode       = volumehelpers.AnnSelectedNode
	annProvisionedBy      = volumehelpers.AnnDynamicallyProvisioned
	annNode               = "kite.io/local-path-node"
)

// Upstream external-provisioner's event reasons.
const (
	reasonProvisioning          = "Provisioning"
	reasonProvisioningSucceeded = "ProvisioningSucceeded"
	reasonProvisioningFailed    = "ProvisioningFailed"
	reasonVolumeFailedDelete    = "VolumeFailedDelete"
)

// volumeName is the name of the volume provisioned for the claim with uid, upstream's
// "pvc-<uid>": one claim, one name, so a repeated sync cannot make two.
func volumeName(uid types.UID) string { return "pvc-" + string(uid) }

// dirName is the directory of a claim's volume under StorageDir, k3s's layout.
func dirName(uid types.UID, namespace, name string) string {
	return fmt.Sprintf("pvc-%s_%s_%s", uid, namespace, name)
}

func (c *Controller) syncClaimKey(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pvc, err := c.claims.PersistentVolumeClaims(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.syncClaim(ctx, pvc)
}

// syncClaim provisions a volume for pvc when it is ours to provision: not bound, not
// being deleted, marked for this provisioner by the binder, of a class naming it.
func (c *Controller) syncClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || pvc.Annotations[annStorageProvisioner] != Provisioner {
		return nil
	}
	className := volumehelpers.GetPersistentVolumeClaimClass(pvc)
	class, err := c.classes.Get(className)
	if apierrors.IsNotFound(err) {
		return nil // the binder reports a missing class
	}
	if err != nil {
		return err
	}
	if class.Provisioner != Provisioner {
		return nil
	}
	if _, err := c.volumes.Get(volumeName(pvc.UID)); err == nil {
		return nil // made already; the binder binds it
	}
	node, ok := pvc.Annotations[annSelectedNode]
	if !ok {
		if class.VolumeBindingMode == nil || *class.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer {
			c.failed(pvc, className, "configuration error, no node was specified: the class must bind on first consumer")
		}
		return nil
	}
	c.recorder.Event(pvc, corev1.EventTypeNormal, reasonProvisioning,
		fmt.Sprintf("External provisioner is provisioning volume for claim %q", pvc.Namespace+"/"+pvc.Name))
	if err := supported(pvc); err != nil {
		// Retrying cannot help; a changed claim is synced again.
		c.failed(pvc, className, err.Error())
		return nil
	}
	pv, err := c.volumeFor(pvc, class, node)
	if err != nil {
		c.failed(pvc, className, err.Error())
		return err
	}
	if node == c.localNode {
		if err := c.fs.Make(pv.Spec.HostPath.Path); err != nil {
			c.failed(pvc, className, err.Error())
			return err
		}
	}
	_, err = c.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		c.failed(pvc, className, err.Error())
		return err
	}
	c.logger.Info("provisioned", "pv", pv.Name, "claim", pvc.Namespace+"/"+pvc.Name, "node", node)
	c.recorder.Event(pvc, corev1.EventTypeNormal, reasonProvisioningSucceeded, "Successfully provisioned volume "+pv.Name)
	return nil
}

func (c *Controller) failed(pvc *corev1.PersistentVolumeClaim, class, msg string) {
	c.recorder.Event(pvc, corev1.EventTypeWarning, reasonProvisioningFailed,
		fmt.Sprintf("failed to provision volume with StorageClass %q: %s", class, msg))
}

// supported says why a local-path volume cannot serve pvc, or nil.
func supported(pvc *corev1.PersistentVolumeClaim) error {
	for _, m := range pvc.Spec.AccessModes {
		if m != corev1.ReadWriteOnce && m != corev1.ReadWriteOncePod {
			return fmt.Errorf("access mode %s is not supported: a local-path volume is on one node", m)
		}
	}
	if pvc.Spec.VolumeMode != nil && *pvc.Spec.VolumeMode == corev1.PersistentVolumeBlock {
		return fmt.Errorf("volumeMode Block is not supported: a local-path volume is a directory")
	}
	if _, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		return fmt.Errorf("the claim requests no storage size")
	}
	return nil
}

// volumeFor is the volume pvc (supported) gets on node: a directory there, only
// there, pre-bound to pvc.
func (c *Controller) volumeFor(pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, node string) (*corev1.PersistentVolume, error) {
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	n, err := c.nodes.Get(node)
	if err != nil {
		return nil, fmt.Errorf("selected node %q: %w", node, err)
	}
	hostname := n.Labels[corev1.LabelHostname]
	if hostname == "" {
		hostname = n.Name
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        volumeName(pvc.UID),
			Annotations: map[string]string{annProvisionedBy: Provisioner, annNode: node},
			Finalizers:  []string{Finalizer},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   slices.Clone(pvc.Spec.AccessModes),
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class.Name,
			MountOptions:                  slices.Clone(class.MountOptions),
			VolumeMode:                    ptr.To(corev1.PersistentVolumeFilesystem),
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: filepath.Join(c.storageDirOf(n), dirName(pvc.UID, pvc.Namespace, pvc.Name)),
				Type: ptr.To(corev1.HostPathDirectoryOrCreate),
			}},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{hostname}}},
			}}}},
		},
	}, nil
}

// storageDirOf is where node n keeps local-path volumes: the directory its agent
// announced, else (simulated nodes, or an agent that has not announced it yet) the
// configured StorageDir.
func (c *Controller) storageDirOf(n *corev1.Node) string {
	if d := n.Annotations[NodeStorageDirAnnotation]; filepath.IsAbs(d) && filepath.Clean(d) == d {
		return d
	}
	return c.storageDir
}
