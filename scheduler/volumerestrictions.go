package scheduler

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// Upstream's VolumeRestrictions rejections.
const (
	diskConflictReason = "node(s) had no available disk"
	rwopConflictReason = "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod"
)

// VolumeRestrictions is upstream's plugin of that name. It keeps a pod off a node
// when:
//
//   - one of its claims has the ReadWriteOncePod access mode and another pod already
//     uses that claim, on any node (the mode means one pod in the whole cluster, so
//     every node is rejected, but as Unschedulable: preempting the user may help);
//   - an in-tree disk it mounts is mounted by a pod on the node in a way the disk
//     cannot share: the same GCE PD unless both read-only, the same AWS EBS volume
//     always, the same iSCSI IQN or RBD image (overlapping monitors, same pool)
//     unless both read-only. The API still holds these volume types, so a pod can ask
//     for them even though nothing here mounts them.
type VolumeRestrictions struct {
	// Claims reads the informer's cache. Required.
	Claims corelisters.PersistentVolumeClaimLister
}

func (*VolumeRestrictions) Name() string { return "VolumeRestrictions" }

// restrictionsState is what PreFilter learned: the pod's ReadWriteOncePod claims and,
// per node, how many pods of the snapshot use one of them.
type restrictionsState struct {
	rwop   []string
	users  map[string]int // node name → pods there using one of rwop
	total  int
	inTree bool // the pod mounts a disk the conflict rules cover
}

func (r *VolumeRestrictions) PreFilter(c *Cycle) *Status {
	st := &restrictionsState{users: map[string]int{}}
	for _, v := range c.Pod.Spec.Volumes {
		if hasDiskRules(v) {
			st.inTree = true
		}
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc, err := r.Claims.PersistentVolumeClaims(c.Pod.Namespace).Get(v.PersistentVolumeClaim.ClaimName)
		if apierrors.IsNotFound(err) {
			return NewStatus(UnschedulableAndUnresolvable, err.Error())
		}
		if err != nil {
			return NewStatus(Error, err.Error())
		}
		if slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteOncePod) {
			st.rwop = append(st.rwop, pvc.Name)
		}
	}
	if len(st.rwop) > 0 {
		for _, n := range c.Snapshot.Nodes {
			if k := st.usersOn(c.Pod, n); k > 0 {
				st.users[n.Name()] = k
				st.total += k
			}
		}
	}
	if !st.inTree && st.total == 0 {
		// Nobody uses the claims yet. As upstream, pods merely nominated to a node
		// do not count as users.
		return NewStatus(Skip)
	}
	c.Write(r.Name(), st)
	return nil
}

// usersOn counts the pods on n, other than pod, that use one of the claims.
func (st *restrictionsState) usersOn(pod *corev1.Pod, n *NodeInfo) int {
	k := 0
	for _, p := range n.Pods {
		if p.UID == pod.UID || p.Namespace != pod.Namespace {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && slices.Contains(st.rwop, v.PersistentVolumeClaim.ClaimName) {
				k++
			}
		}
	}
	return k
}

func (r *VolumeRestrictions) Filter(c *Cycle, n *NodeInfo) *Status {
	st, _ := c.Read(r.Name()).(*restrictionsState)
	if st == nil {
		return nil
	}
	if st.inTree {
		for _, v := range c.Pod.Spec.Volumes {
			if !hasDiskRules(v) {
				continue
			}
			for _, p := range n.Pods {
				if diskConflict(&v, p) {
					return NewStatus(Unschedulable, diskConflictReason)
				}
			}
		}
	}
	if len(st.rwop) > 0 {
		// n may differ from the snapshot's node: preemption removes victims from a
		// copy, the nominator adds pods to one. So the node's own users are counted
		// again, and the rest of the cluster taken from PreFilter.
		elsewhere := st.total - st.users[n.Name()]
		if elsewhere+st.usersOn(c.Pod, n) > 0 {
			return NewStatus(Unschedulable, rwopConflictReason)
		}
	}
	return nil
}

// hasDiskRules says whether v is an in-tree disk the conflict rules cover.
//
//nolint:staticcheck // the deprecated in-tree sources are still in the API.
func hasDiskRules(v corev1.Volume) bool {
	return v.GCEPersistentDisk != nil || v.AWSElasticBlockStore != nil || v.RBD != nil || v.ISCSI != nil
}

// diskConflict says whether v cannot be mounted beside the volumes of p.
//
//nolint:staticcheck // the deprecated in-tree sources are still in the API.
func diskConflict(v *corev1.Volume, p *corev1.Pod) bool {
	for _, e := range p.Spec.Volumes {
		switch {
		case v.GCEPersistentDisk != nil && e.GCEPersistentDisk != nil:
			a, b := v.GCEPersistentDisk, e.GCEPersistentDisk
			if a.PDName == b.PDName && !(a.ReadOnly && b.ReadOnly) {
				return true
			}
		case v.AWSElasticBlockStore != nil && e.AWSElasticBlockStore != nil:
			// EBS volumes attach to one instance at a time, read-only or not.
			if v.AWSElasticBlockStore.VolumeID == e.AWSElasticBlockStore.VolumeID {
				return true
			}
		case v.ISCSI != nil && e.ISCSI != nil:
			a, b := v.ISCSI, e.ISCSI
			if a.IQN == b.IQN && !(a.ReadOnly && b.ReadOnly) {
				return true
			}
		case v.RBD != nil && e.RBD != nil:
			a, b := v.RBD, e.RBD
			if overlap(a.CephMonitors, b.CephMonitors) && a.RBDPool == b.RBDPool && a.RBDImage == b.RBDImage &&
				!(a.ReadOnly && b.ReadOnly) {
				return true
			}
		}
	}
	return false
}

// overlap says whether a and b share an element.
func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
