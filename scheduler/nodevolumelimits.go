package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// volumeLimitReason is upstream's NodeVolumeLimits rejection.
const volumeLimitReason = "node(s) exceed max volume count"

// unboundHandlePrefix stands in for the volume handle of a claim not bound yet, so
// that each such claim counts as one volume of its class's provisioner. Upstream
// uses a random prefix per scheduler; any prefix no driver uses will do.
const unboundHandlePrefix = "kite-unbound-claim"

// NodeVolumeLimits is upstream's CSI volume limits plugin (named NodeVolumeLimits in
// the profile): a node's CSINode says, per CSI driver, how many volumes the node can
// have attached (spec.drivers[].allocatable.count); a pod whose new CSI volumes would
// take a driver past that count does not fit there. The volumes counted on the node are
// those of its pods' claims and of the VolumeAttachments naming it; a volume already
// attached is not new. A claim not bound yet counts for its class's provisioner.
// In-tree volume types are not translated to their CSI drivers (no in-tree plugin is
// migrated here), so they never count.
type NodeVolumeLimits struct {
	// Claims, Volumes, Classes, CSINodes and Attachments read the informers' caches.
	// Required.
	Claims      corelisters.PersistentVolumeClaimLister
	Volumes     corelisters.PersistentVolumeLister
	Classes     storagelisters.StorageClassLister
	CSINodes    storagelisters.CSINodeLister
	Attachments storagelisters.VolumeAttachmentLister
}

func (*NodeVolumeLimits) Name() string { return "NodeVolumeLimits" }

// limitsState is what PreFilter learned: the pod's CSI volumes (unique name →
// driver) and the attached volumes per node.
type limitsState struct {
	wanted   map[string]string
	attached map[string]map[string]string // node → unique name → driver
}

func (l *NodeVolumeLimits) PreFilter(c *Cycle) *Status {
	if len(claimNames(c.Pod)) == 0 {
		return NewStatus(Skip)
	}
	wanted := map[string]string{}
	if err := l.csiVolumes(c.Pod, wanted); err != nil {
		return NewStatus(Error, err.Error())
	}
	if len(wanted) == 0 {
		return NewStatus(Skip)
	}
	st := &limitsState{wanted: wanted, attached: map[string]map[string]string{}}
	vas, err := l.Attachments.List(labels.Everything())
	if err != nil {
		return NewStatus(Error, err.Error())
	}
	for _, va := range vas {
		if va.Spec.Attacher == "" || va.Spec.Source.PersistentVolumeName == nil {
			continue
		}
		pv, err := l.Volumes.Get(*va.Spec.Source.PersistentVolumeName)
		if err != nil || pv.Spec.CSI == nil {
			continue
		}
		m := st.attached[va.Spec.NodeName]
		if m == nil {
			m = map[string]string{}
			st.attached[va.Spec.NodeName] = m
		}
		m[uniqueVolumeName(pv.Spec.CSI.Driver, pv.Spec.CSI.VolumeHandle)] = pv.Spec.CSI.Driver
	}
	c.Write(l.Name(), st)
	return nil
}

func (l *NodeVolumeLimits) Filter(c *Cycle, n *NodeInfo) *Status {
	st, _ := c.Read(l.Name()).(*limitsState)
	if st == nil {
		return nil
	}
	csiNode, err := l.CSINodes.Get(n.Name())
	if err != nil && !apierrors.IsNotFound(err) {
		return NewStatus(Error, err.Error())
	}
	if csiNode == nil {
		return nil // no limits published for the node
	}
	limits := map[string]int{}
	for _, d := range csiNode.Spec.Drivers {
		if d.Allocatable != nil && d.Allocatable.Count != nil {
			limits[d.Name] = int(*d.Allocatable.Count)
		}
	}
	if len(limits) == 0 {
		return nil
	}
	attached := map[string]string{}
	for _, p := range n.Pods {
		if err := l.csiVolumes(p, attached); err != nil {
			return NewStatus(Error, err.Error())
		}
	}
	for name, driver := range st.attached[n.Name()] {
		attached[name] = driver
	}
	count := map[string]int{}
	for _, driver := range attached {
		count[driver]++
	}
	add := map[string]int{}
	for name, driver := range st.wanted {
		if _, ok := attached[name]; !ok {
			add[driver]++
		}
	}
	for driver, k := range add {
		if limit, ok := limits[driver]; ok && count[driver]+k > limit {
			return NewStatus(Unschedulable, volumeLimitReason)
		}
	}
	return nil
}

// csiVolumes adds the CSI volumes of pod's claims to out (unique name → driver).
// Claims that are missing are skipped: VolumeBinding reports them.
func (l *NodeVolumeLimits) csiVolumes(pod *corev1.Pod, out map[string]string) error {
	for _, name := range claimNames(pod) {
		pvc, err := l.Claims.PersistentVolumeClaims(pod.Namespace).Get(name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		driver, handle := l.driverOf(pvc)
		if driver != "" && handle != "" {
			out[uniqueVolumeName(driver, handle)] = driver
		}
	}
	return nil
}

// driverOf names the CSI driver and volume handle of pvc's volume, or for a claim
// without a volume its class's provisioner and a handle standing for the claim.
func (l *NodeVolumeLimits) driverOf(pvc *corev1.PersistentVolumeClaim) (driver, handle string) {
	if pvc.Spec.VolumeName != "" {
		if pv, err := l.Volumes.Get(pvc.Spec.VolumeName); err == nil {
			if pv.Spec.CSI == nil {
				return "", ""
			}
			return pv.Spec.CSI.Driver, pv.Spec.CSI.VolumeHandle
		}
	}
	name := volumehelpers.GetPersistentVolumeClaimClass(pvc)
	if name == "" {
		return "", ""
	}
	class, err := l.Classes.Get(name)
	if err != nil {
		return "", ""
	}
	return class.Provisioner, unboundHandlePrefix + "-" + pvc.Namespace + "/" + pvc.Name
}

func uniqueVolumeName(driver, handle string) string { return driver + "/" + handle }
