package scheduler

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
)

// volumeZoneReason is upstream's VolumeZone rejection.
const volumeZoneReason = "node(s) had no available volume zone"

// zoneLabels are the topology labels VolumeZone compares, beta ones included: volumes
// made by old provisioners still carry those.
var zoneLabels = []string{
	corev1.LabelFailureDomainBetaZone,
	corev1.LabelFailureDomainBetaRegion,
	corev1.LabelTopologyZone,
	corev1.LabelTopologyRegion,
}

// VolumeZone is upstream's plugin of that name: the zone and region labels of the
// volumes bound to the pod's claims must match the node's. A label's value may list
// several zones joined by "__" (as upstream's provisioners write regional disks); the
// node must be in one of them. A node with none of the four labels is not judged (a
// cluster without zones), and a beta label on the volume is matched against the GA
// label on the node when the node lacks the beta one.
type VolumeZone struct {
	// Claims, Volumes and Classes read the informers' caches. Required.
	Claims  corelisters.PersistentVolumeClaimLister
	Volumes corelisters.PersistentVolumeLister
	Classes storagelisters.StorageClassLister
}

func (*VolumeZone) Name() string { return "VolumeZone" }

// zoneTerm is one topology label of a bound volume: the node's value for key must be
// one of values.
type zoneTerm struct {
	key    string
	values []string
}

func (z *VolumeZone) PreFilter(c *Cycle) *Status {
	var terms []zoneTerm
	for _, v := range c.Pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		t, s := z.termsOf(c.Pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		if s != nil {
			return s
		}
		terms = append(terms, t...)
	}
	if len(terms) == 0 {
		return NewStatus(Skip)
	}
	c.Write(z.Name(), terms)
	return nil
}

// termsOf returns the topology of claim's volume; a claim still waiting for its
// first consumer has none yet, and any other unbound claim cannot be judged.
func (z *VolumeZone) termsOf(namespace, claim string) ([]zoneTerm, *Status) {
	if claim == "" {
		return nil, NewStatus(UnschedulableAndUnresolvable, "PersistentVolumeClaim had no name")
	}
	pvc, err := z.Claims.PersistentVolumeClaims(namespace).Get(claim)
	if s := lookupStatus(err); s != nil {
		return nil, s
	}
	if pvc.Spec.VolumeName == "" {
		class := volumehelpers.GetPersistentVolumeClaimClass(pvc)
		if class == "" {
			return nil, NewStatus(UnschedulableAndUnresolvable, "PersistentVolumeClaim had no pv name and storageClass name")
		}
		sc, err := z.Classes.Get(class)
		if s := lookupStatus(err); s != nil {
			return nil, s
		}
		if sc.VolumeBindingMode == nil {
			return nil, NewStatus(UnschedulableAndUnresolvable, fmt.Sprintf("VolumeBindingMode not set for StorageClass %q", class))
		}
		if *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
			return nil, nil
		}
		return nil, NewStatus(UnschedulableAndUnresolvable, "PersistentVolume had no name")
	}
	pv, err := z.Volumes.Get(pvc.Spec.VolumeName)
	if s := lookupStatus(err); s != nil {
		return nil, s
	}
	var terms []zoneTerm
	for _, key := range zoneLabels {
		value, ok := pv.Labels[key]
		if !ok {
			continue
		}
		zones := splitZones(value)
		if len(zones) == 0 {
			continue // unparsable, ignored as upstream does
		}
		terms = append(terms, zoneTerm{key: key, values: zones})
	}
	return terms, nil
}

// splitZones reads a label value listing zones joined by "__"; an empty zone makes
// the whole value unusable (nil).
func splitZones(value string) []string {
	var out []string
	for z := range strings.SplitSeq(value, "__") {
		z = strings.TrimSpace(z)
		if z == "" {
			return nil
		}
		out = append(out, z)
	}
	return out
}

// lookupStatus turns a lister error into the plugin's verdict: a missing object
// cannot appear by preemption, anything else is an error.
func lookupStatus(err error) *Status {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return NewStatus(UnschedulableAndUnresolvable, err.Error())
	default:
		return NewStatus(Error, err.Error())
	}
}

func (z *VolumeZone) Filter(c *Cycle, n *NodeInfo) *Status {
	terms, _ := c.Read(z.Name()).([]zoneTerm)
	labels := n.Node.Labels
	zoned := false
	for _, key := range zoneLabels {
		if _, ok := labels[key]; ok {
			zoned = true
			break
		}
	}
	if !zoned {
		return nil
	}
	for _, t := range terms {
		v, ok := labels[t.key]
		if !ok {
			v, ok = labels[gaZoneLabel(t.key)]
		}
		if !ok || !slices.Contains(t.values, v) {
			return NewStatus(UnschedulableAndUnresolvable, volumeZoneReason)
		}
	}
	return nil
}

// gaZoneLabel maps a beta topology label to its GA name.
func gaZoneLabel(key string) string {
	switch key {
	case corev1.LabelFailureDomainBetaZone:
		return corev1.LabelTopologyZone
	case corev1.LabelFailureDomainBetaRegion:
		return corev1.LabelTopologyRegion
	}
	return key
}
