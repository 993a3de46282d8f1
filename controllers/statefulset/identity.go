package statefulset

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A StatefulSet's pods have fixed names, `<set>-<ordinal>`, and each pod's claims
// `<template>-<set>-<ordinal>`: a pod recreated under its name finds its storage again.

// ordinalOf parses the ordinal from a pod's name, -1 when the name has none.
func ordinalOf(pod *corev1.Pod) int {
	_, ord := parentAndOrdinal(pod.Name)
	return ord
}

// parentAndOrdinal splits `<parent>-<ordinal>`; the ordinal is -1 when name is not of
// that form or the number does not fit an int32.
func parentAndOrdinal(name string) (string, int) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return "", -1
	}
	digits := name[i+1:]
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", -1
		}
	}
	n, err := strconv.ParseInt(digits, 10, 32)
	if err != nil {
		return name[:i], -1
	}
	return name[:i], int(n)
}

// isMemberOf reports whether pod's name says it belongs to set.
func isMemberOf(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	parent, _ := parentAndOrdinal(pod.Name)
	return parent == set.Name
}

func podName(set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

func claimName(set *appsv1.StatefulSet, template *corev1.PersistentVolumeClaim, ordinal int) string {
	return fmt.Sprintf("%s-%s-%d", template.Name, set.Name, ordinal)
}

func replicasOf(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// startOrdinal is the first ordinal of set's pods: spec.ordinals.start, or 0.
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

// inOrdinalRange reports whether pod's ordinal is one set currently wants.
func inOrdinalRange(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	ord, start := ordinalOf(pod), startOrdinal(set)
	return ord >= start && ord < start+replicasOf(set)
}

// identityMatches reports whether pod has the name, namespace and labels of its
// ordinal in set.
func identityMatches(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	parent, ord := parentAndOrdinal(pod.Name)
	return ord >= 0 && parent == set.Name && pod.Namespace == set.Namespace &&
		pod.Labels[appsv1.StatefulSetPodNameLabel] == pod.Name &&
		pod.Labels[appsv1.PodIndexLabel] == strconv.Itoa(ord)
}

// storageMatches reports whether pod mounts each of its claims under the template's
// name.
func storageMatches(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	ord := ordinalOf(pod)
	if ord < 0 {
		return false
	}
	vols := make(map[string]corev1.Volume, len(pod.Spec.Volumes))
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		v, ok := vols[t.Name]
		if !ok || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claimName(set, t, ord) {
			return false
		}
	}
	return true
}

// claimsFor returns the claims pod needs, from set's templates, in template order:
// named for the pod, in set's namespace, labelled with the template's labels and the
// set's selector labels.
func claimsFor(set *appsv1.StatefulSet, pod *corev1.Pod) []*corev1.PersistentVolumeClaim {
	ord := ordinalOf(pod)
	out := make([]*corev1.PersistentVolumeClaim, 0, len(set.Spec.VolumeClaimTemplates))
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		c := t.DeepCopy()
		c.Name = claimName(set, t, ord)
		c.Namespace = set.Namespace
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			maps.Copy(c.Labels, set.Spec.Selector.MatchLabels)
		}
		// A template's status is not the claim's to start with.
		c.Status = corev1.PersistentVolumeClaimStatus{}
		out = append(out, c)
	}
	return out
}

// updateIdentity gives pod the name, namespace and labels of its ordinal in set.
func updateIdentity(set *appsv1.StatefulSet, pod *corev1.Pod) {
	ord := ordinalOf(pod)
	pod.Name = podName(set, ord)
	pod.Namespace = set.Namespace
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.StatefulSetPodNameLabel] = pod.Name
	pod.Labels[appsv1.PodIndexLabel] = strconv.Itoa(ord)
}

// updateStorage points pod's volumes named after the claim templates at the pod's
// claims, keeping its other volumes.
func updateStorage(set *appsv1.StatefulSet, pod *corev1.Pod) {
	claims := claimsFor(set, pod)
	byTemplate := make(map[string]bool, len(claims))
	vols := make([]corev1.Volume, 0, len(claims)+len(pod.Spec.Volumes))
	for i, c := range claims {
		name := set.Spec.VolumeClaimTemplates[i].Name
		byTemplate[name] = true
		vols = append(vols, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name},
		}})
	}
	for _, v := range pod.Spec.Volumes {
		if !byTemplate[v.Name] {
			vols = append(vols, v)
		}
	}
	pod.Spec.Volumes = vols
}

// newPod makes (does not create) pod `ordinal` of set from set's template, controlled
// by set, with its hostname and subdomain (fixed at creation: the pod's DNS name is
// `<pod>.<serviceName>`) and its claims mounted.
func newPod(set *appsv1.StatefulSet, ordinal int) *corev1.Pod {
	t := &set.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            podName(set, ordinal),
			GenerateName:    set.Name + "-",
			Namespace:       set.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	updateIdentity(set, pod)
	pod.Spec.Hostname = pod.Name
	pod.Spec.Subdomain = set.Spec.ServiceName
	updateStorage(set, pod)
	return pod
}

// newVersionedPod makes pod `ordinal` at the revision it should have now: the current
// revision below the partition of a rolling update, the update revision otherwise.
func newVersionedPod(currentSet, updateSet *appsv1.StatefulSet, currentRevision, updateRevision string, ordinal int) *corev1.Pod {
	useCurrent := false
	if s := currentSet.Spec.UpdateStrategy; s.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		start := startOrdinal(currentSet)
		if s.RollingUpdate == nil || s.RollingUpdate.Partition == nil {
			useCurrent = ordinal < start+int(currentSet.Status.CurrentReplicas)
		} else {
			useCurrent = ordinal < start+int(*s.RollingUpdate.Partition)
		}
	}
	if useCurrent {
		pod := newPod(currentSet, ordinal)
		setRevision(pod, currentRevision)
		return pod
	}
	pod := newPod(updateSet, ordinal)
	setRevision(pod, updateRevision)
	return pod
}

func setRevision(pod *corev1.Pod, revision string) {
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.StatefulSetRevisionLabel] = revision
}

func revisionOf(pod *corev1.Pod) string { return pod.Labels[appsv1.StatefulSetRevisionLabel] }

// The phases a sync tells apart. A pod not yet created (made in memory this sync)
// has no phase: the API server sets Pending on create.

func isCreated(p *corev1.Pod) bool     { return p.Status.Phase != "" }
func isPending(p *corev1.Pod) bool     { return p.Status.Phase == corev1.PodPending }
func isFailed(p *corev1.Pod) bool      { return p.Status.Phase == corev1.PodFailed }
func isSucceeded(p *corev1.Pod) bool   { return p.Status.Phase == corev1.PodSucceeded }
func isTerminating(p *corev1.Pod) bool { return p.DeletionTimestamp != nil }

func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func isRunningAndReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return p.Status.Phase == corev1.PodRunning && c != nil && c.Status == corev1.ConditionTrue
}

// isRunningAndAvailable: running and ready for at least minReadySeconds at now.
func isRunningAndAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !isRunningAndReady(p) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	since := readyCondition(p).LastTransitionTime
	return !since.IsZero() && since.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

func isHealthy(p *corev1.Pod) bool { return isRunningAndReady(p) && !isTerminating(p) }
