package persistentvolume

import (
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"
)

// bestMatch picks the volume for claim, or nil when none fits.
//
// The rules are component-helpers' FindMatchingVolume, which the scheduler uses too so
// that both agree: a volume pre-bound to the claim wins, else the smallest Available
// volume of the claim's class, selector, volumeMode and capacity. What the library
// leaves to its caller on this path is the access modes: like upstream's volume index,
// bestMatch offers it only volumes whose modes contain the claim's, the volumes with
// the fewest modes first, so a ReadWriteOnce claim does not take a volume that could
// also serve ReadWriteMany claims while a ReadWriteOnce-only one exists.
//
// delayBinding (a WaitForFirstConsumer claim) without node finds only pre-bound
// volumes: the scheduler chooses. With node (the claim's selected node), the volume's
// nodeAffinity must admit it.
func bestMatch(claim *corev1.PersistentVolumeClaim, volumes []*corev1.PersistentVolume, delayBinding bool, node *corev1.Node) (*corev1.PersistentVolume, error) {
	groups := map[int][]*corev1.PersistentVolume{}
	for _, pv := range volumes {
		if volumehelpers.CheckAccessModes(claim, pv) {
			n := len(pv.Spec.AccessModes)
			groups[n] = append(groups[n], pv)
		}
	}
	sizes := make([]int, 0, len(groups))
	for n := range groups {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	for _, n := range sizes {
		pv, err := volumehelpers.FindMatchingVolume(claim, groups[n], node, nil, delayBinding, true)
		if err != nil || pv != nil {
			return pv, err
		}
	}
	return nil, nil
}

// satisfies says why volume, which the claim names in spec.volumeName, cannot serve
// it; nil when it can. Upstream's words, for the VolumeMismatch event.
func satisfies(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) error {
	requested := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	capacity := volume.Spec.Capacity[corev1.ResourceStorage]
	switch {
	case requested.Cmp(capacity) > 0:
		return errors.New("requested PV is too small")
	case volumehelpers.GetPersistentVolumeClass(volume) != volumehelpers.GetPersistentVolumeClaimClass(claim):
		return errors.New("storageClassName does not match")
	case ptr.Deref(volume.Spec.VolumeAttributesClassName, "") != ptr.Deref(claim.Spec.VolumeAttributesClassName, ""):
		return errors.New("volumeAttributesClassName does not match")
	case volumehelpers.CheckVolumeModeMismatches(&claim.Spec, &volume.Spec):
		return errors.New("incompatible volumeMode")
	case !volumehelpers.CheckAccessModes(claim, volume):
		return errors.New("incompatible accessMode")
	}
	return nil
}

// claimRefKey names the claim a volume's claimRef points to.
func claimRefKey(ref *corev1.ObjectReference) string {
	return fmt.Sprintf("%s/%s", ref.Namespace, ref.Name)
}
