package pod

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Upstream's DisruptionTarget condition of a pod the Eviction API is deleting. Jobs
// read it through their pod failure policies (an evicted pod's failure may be
// ignored), so it is on the pod before the pod is deleted.
const (
	evictionReason  = "EvictionByEvictionAPI"
	evictionMessage = "Eviction API: evicting"
)

// markDisruptionTarget adds the DisruptionTarget condition to the pod's status, as
// upstream's eviction does before it deletes, and returns the resourceVersion it
// wrote. The delete's preconditions are checked against the pod first, so an
// eviction that would not delete the pod does not mark it either.
func (e *evictor) markDisruptionTarget(ctx context.Context, namespace, name string, pre *metav1.Preconditions) (string, error) {
	out, err := e.cfg.Store.UpdateWith(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
		pod := current.(*corev1.Pod)
		if err := checkPreconditions(pod, pre); err != nil {
			return nil, err
		}
		setDisruptionTarget(&pod.Status, metav1.NewTime(e.cfg.Clock.Now()))
		return pod, nil
	}, metav1.UpdateOptions{}, "status")
	if err != nil {
		return "", err
	}
	return out.(*corev1.Pod).ResourceVersion, nil
}

// checkPreconditions answers 409 Conflict, as the delete would, when pod is not the
// one pre names.
func checkPreconditions(pod *corev1.Pod, pre *metav1.Preconditions) error {
	if pre == nil {
		return nil
	}
	gr := schema.GroupResource{Resource: "pods"}
	if pre.UID != nil && *pre.UID != "" && *pre.UID != pod.UID {
		return apierrors.NewConflict(gr, pod.Name, fmt.Errorf(
			"the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *pre.UID, pod.UID))
	}
	if pre.ResourceVersion != nil && *pre.ResourceVersion != "" && *pre.ResourceVersion != pod.ResourceVersion {
		return apierrors.NewConflict(gr, pod.Name, fmt.Errorf(
			"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *pre.ResourceVersion, pod.ResourceVersion))
	}
	return nil
}

// setDisruptionTarget sets the eviction's condition, keeping the transition time of
// one that was already true.
func setDisruptionTarget(st *corev1.PodStatus, now metav1.Time) {
	want := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: evictionReason, Message: evictionMessage, LastTransitionTime: now}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != corev1.DisruptionTarget {
			continue
		}
		if c.Status == want.Status {
			want.LastTransitionTime = c.LastTransitionTime
		}
		*c = want
		return
	}
	st.Conditions = append(st.Conditions, want)
}
