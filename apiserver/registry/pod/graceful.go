package pod

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// GracePeriod is how long a first delete lets the pod's kubelet stop it, in seconds, as
// upstream's CheckGracefulDelete decides: the delete's gracePeriodSeconds if given, else
// the pod's terminationGracePeriodSeconds; but 0 (delete at once) for a pod no node runs
// (unbound) or that has finished (Succeeded, Failed), since no kubelet would finish the
// deletion. Negative means as soon as possible: 1.
func (Strategy) GracePeriod(obj runtime.Object, opts metav1.DeleteOptions) int64 {
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	var period int64
	switch {
	case opts.GracePeriodSeconds != nil:
		period = *opts.GracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if period < 0 {
		return 1
	}
	return period
}
