package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/util/retry"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// Upstream's VolumeBinding rejections.
const (
	unboundImmediateReason = "pod has unbound immediate PersistentVolumeClaims"
	volumeNodeConflict     = "node(s) had volume node affinity conflict"
	volumeBindConflict     = "node(s) didn't find available persistent volumes to bind"
	volumeMissingReason    = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
)

// Defaults of the binding wait: upstream's bindTimeoutSeconds, and how often the
// listers are looked at meanwhile.
const (
	defaultVolumeBindTimeout = 10 * time.Minute
	volumeBindPoll           = 100 * time.Millisecond
)

// VolumeBinding is upstream's VolumeBinding plugin, without dynamic provisioning of
// its own and without storage capacity tracking: it keeps a pod off nodes its
// PersistentVolumeClaims cannot be used on, and binds the claims that wait for their
// first consumer (StorageClass volumeBindingMode WaitForFirstConsumer) before the pod.
//
//   - PreFilter: every claim must exist and not be terminating; a claim not bound yet
//     whose class binds Immediately makes the pod unschedulable until the binder binds it.
//   - Filter: the volumes of bound claims must admit the node by their nodeAffinity; each
//     waiting claim needs its own Available volume that fits it and admits the node (the
//     rules of component-helpers' FindMatchingVolume, which the binder controller uses
//     too), or a class whose provisioner could make one there.
//   - PreBind, on the chosen node: pre-binds each chosen volume (pv.spec.claimRef, as
//     upstream's binder does), sets volume.kubernetes.io/selected-node on each waiting
//     claim, then waits until the binder controller has bound every claim, so the pod
//     reaches its node only with its volumes bound.
type VolumeBinding struct {
	// Client writes the pre-binding. Required for PreBind.
	Client kubernetes.Interface
	// Claims, Volumes and Classes read the informers' caches. Required.
	Claims  corelisters.PersistentVolumeClaimLister
	Volumes corelisters.PersistentVolumeLister
	Classes storagelisters.StorageClassLister
	// BindTimeout bounds PreBind's wait for the binder; default 10 minutes.
	BindTimeout time.Duration
}

func (*VolumeBinding) Name() string { return "VolumeBinding" }

// podVolumes is what PreFilter learned about the pod's claims.
type podVolumes struct {
	bound   []*corev1.PersistentVolume // volumes of bound claims; nil where the volume is missing
	waiting []*corev1.PersistentVolumeClaim
	volumes []*corev1.PersistentVolume // every volume, for the waiting claims to choose from
}

// claimNames lists the claims a pod uses: its persistentVolumeClaim volumes and the
// claims of its generic ephemeral volumes, named <pod>-<volume> as upstream names them.
func claimNames(pod *corev1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			out = append(out, pod.Name+"-"+v.Name)
		}
	}
	return out
}

// fullyBound: the binder finished with the claim.
func fullyBound(pvc *corev1.PersistentVolumeClaim) bool {
	return pvc.Spec.VolumeName != "" && metav1.HasAnnotation(pvc.ObjectMeta, volumehelpers.AnnBindCompleted)
}

// delayed says whether pvc's class binds on first consumer.
func (b *VolumeBinding) delayed(pvc *corev1.PersistentVolumeClaim) (bool, error) {
	name := volumehelpers.GetPersistentVolumeClaimClass(pvc)
	if name == "" {
		return false, nil
	}
	class, err := b.Classes.Get(name)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer, nil
}

// classify reads the pod's claims: those bound (with their volumes), those waiting for
// a node, and a status that rejects the pod when a claim is missing, terminating or
// waiting for the binder.
func (b *VolumeBinding) classify(pod *corev1.Pod, names []string) (*podVolumes, *Status) {
	pv := &podVolumes{}
	immediate := false
	for _, name := range names {
		pvc, err := b.Claims.PersistentVolumeClaims(pod.Namespace).Get(name)
		if apierrors.IsNotFound(err) {
			return nil, NewStatus(UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q not found", name))
		}
		if err != nil {
			return nil, NewStatus(Error, err.Error())
		}
		if pvc.DeletionTimestamp != nil {
			return nil, NewStatus(UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q is being deleted", name))
		}
		if fullyBound(pvc) {
			vol, err := b.Volumes.Get(pvc.Spec.VolumeName)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, NewStatus(Error, err.Error())
			}
			pv.bound = append(pv.bound, vol)
			continue
		}
		delay, err := b.delayed(pvc)
		if err != nil {
			return nil, NewStatus(Error, err.Error())
		}
		if delay && pvc.Spec.VolumeName == "" {
			pv.waiting = append(pv.waiting, pvc)
		} else {
			immediate = true // the binder binds it, or the user named its volume
		}
	}
	if immediate {
		return nil, NewStatus(UnschedulableAndUnresolvable, unboundImmediateReason)
	}
	if len(pv.waiting) > 0 {
		all, err := b.Volumes.List(labels.Everything())
		if err != nil {
			return nil, NewStatus(Error, err.Error())
		}
		pv.volumes = all
	}
	return pv, nil
}

func (b *VolumeBinding) PreFilter(c *Cycle) *Status {
	names := claimNames(c.Pod)
	if len(names) == 0 {
		return NewStatus(Skip)
	}
	pv, s := b.classify(c.Pod, names)
	if s != nil {
		return s
	}
	c.Write(b.Name(), pv)
	return nil
}

func (b *VolumeBinding) Filter(c *Cycle, n *NodeInfo) *Status {
	pv, _ := c.Read(b.Name()).(*podVolumes)
	if pv == nil {
		return nil
	}
	var reasons []string
	for _, vol := range pv.bound {
		if vol == nil {
			return NewStatus(UnschedulableAndUnresolvable, volumeMissingReason)
		}
		if volumehelpers.CheckNodeAffinity(vol, n.Node.Labels) != nil {
			reasons = append(reasons, volumeNodeConflict)
			break
		}
	}
	if len(pv.waiting) > 0 {
		_, ok, err := b.choose(pv, n.Node)
		if err != nil {
			return NewStatus(Error, err.Error())
		}
		if !ok {
			reasons = append(reasons, volumeBindConflict)
		}
	}
	if len(reasons) > 0 {
		return NewStatus(UnschedulableAndUnresolvable, reasons...)
	}
	return nil
}

// choose picks, for each waiting claim, a volume on node, no volume twice. A claim with
// no volume there is left to provisioning (no entry in the result), which must be
// possible on node for ok. A claim whose selected-node names another node does not fit.
func (b *VolumeBinding) choose(pv *podVolumes, node *corev1.Node) (map[*corev1.PersistentVolumeClaim]*corev1.PersistentVolume, bool, error) {
	chosen := map[string]*corev1.PersistentVolume{}
	out := map[*corev1.PersistentVolumeClaim]*corev1.PersistentVolume{}
	var provision []*corev1.PersistentVolumeClaim
	for _, pvc := range pv.waiting {
		if selected, ok := pvc.Annotations[volumehelpers.AnnSelectedNode]; ok {
			if selected != node.Name {
				return nil, false, nil
			}
		}
		vol, err := volumehelpers.FindMatchingVolume(pvc, pv.volumes, node, chosen, true, true)
		if err != nil {
			return nil, false, err
		}
		if vol == nil {
			provision = append(provision, pvc)
			continue
		}
		chosen[vol.Name] = vol
		out[pvc] = vol
	}
	for _, pvc := range provision {
		class, err := b.Classes.Get(volumehelpers.GetPersistentVolumeClaimClass(pvc))
		if err != nil {
			return nil, false, err
		}
		if class.Provisioner == "" || class.Provisioner == volumehelpers.NotSupportedProvisioner ||
			!matchesTopology(class.AllowedTopologies, node.Labels) {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// matchesTopology is a StorageClass's allowedTopologies test: no terms admit every
// node; otherwise one term must match all its expressions.
func matchesTopology(terms []corev1.TopologySelectorTerm, nodeLabels map[string]string) bool {
	if len(terms) == 0 {
		return true
	}
	for _, t := range terms {
		if termMatches(t, nodeLabels) {
			return true
		}
	}
	return false
}

func termMatches(t corev1.TopologySelectorTerm, nodeLabels map[string]string) bool {
	for _, r := range t.MatchLabelExpressions {
		v, ok := nodeLabels[r.Key]
		if !ok || !slices.Contains(r.Values, v) {
			return false
		}
	}
	return true
}

// PreBind pre-binds the waiting claims of pod to volumes on node, then waits until the
// binder controller has bound all the pod's claims.
func (b *VolumeBinding) PreBind(ctx context.Context, pod *corev1.Pod, node *corev1.Node) error {
	names := claimNames(pod)
	if len(names) == 0 {
		return nil
	}
	pv, s := b.classify(pod, names)
	if s != nil {
		return errors.New(s.String())
	}
	if len(pv.waiting) == 0 {
		return nil
	}
	bindings, ok, err := b.choose(pv, node)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("binding volumes: %s", volumeBindConflict)
	}
	for _, pvc := range pv.waiting {
		if vol := bindings[pvc]; vol != nil {
			if err := b.preBindVolume(ctx, vol, pvc); err != nil {
				return fmt.Errorf("binding volumes: %w", err)
			}
		}
		if err := b.selectNode(ctx, pvc, node.Name); err != nil {
			return fmt.Errorf("binding volumes: %w", err)
		}
	}
	if err := b.waitBound(ctx, pod.Namespace, names, node.Name); err != nil {
		return fmt.Errorf("binding volumes: %w", err)
	}
	return nil
}

// preBindVolume points vol at pvc as the binder would; the write is a compare-and-swap
// on the cached volume, so two pods racing for one volume cannot both have it.
func (b *VolumeBinding) preBindVolume(ctx context.Context, vol *corev1.PersistentVolume, pvc *corev1.PersistentVolumeClaim) error {
	clone, dirty, err := volumehelpers.GetBindVolumeToClaim(vol, pvc)
	if err != nil || !dirty {
		return err
	}
	_, err = b.Client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{})
	return err
}

// selectNode records the chosen node on the claim, for the binder (and a provisioner).
// The cached claim may be behind the binder's own writes to it: on a conflict the claim
// is read again and the annotation set on the fresh copy.
func (b *VolumeBinding) selectNode(ctx context.Context, pvc *corev1.PersistentVolumeClaim, node string) error {
	claims := b.Client.CoreV1().PersistentVolumeClaims(pvc.Namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if pvc.Annotations[volumehelpers.AnnSelectedNode] == node {
			return nil
		}
		clone := pvc.DeepCopy()
		metav1.SetMetaDataAnnotation(&clone.ObjectMeta, volumehelpers.AnnSelectedNode, node)
		_, err := claims.Update(ctx, clone, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			fresh, gerr := claims.Get(ctx, pvc.Name, metav1.GetOptions{})
			if gerr != nil {
				return gerr
			}
			pvc = fresh
		}
		return err
	})
}

// waitBound polls the cache until every claim is bound; it fails when one was given to
// another node meanwhile, or when the timeout passes.
func (b *VolumeBinding) waitBound(ctx context.Context, namespace string, names []string, node string) error {
	timeout := b.BindTimeout
	if timeout <= 0 {
		timeout = defaultVolumeBindTimeout
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, volumeBindPoll, timeout, true, func(context.Context) (bool, error) {
		for _, name := range names {
			pvc, err := b.Claims.PersistentVolumeClaims(namespace).Get(name)
			if err != nil {
				last = err
				return false, nil
			}
			if fullyBound(pvc) {
				continue
			}
			// Missing may only mean the cache has not seen our write yet.
			if selected, ok := pvc.Annotations[volumehelpers.AnnSelectedNode]; ok && selected != node {
				return false, fmt.Errorf("selectedNode annotation reset for PVC %q", name)
			}
			last = fmt.Errorf("PVC %q is not bound yet", name)
			return false, nil
		}
		return true, nil
	})
	if err != nil && last != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %v", err, last)
	}
	return err
}
