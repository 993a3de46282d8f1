package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// defaultTolerationSeconds is upstream's --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds.
const defaultTolerationSeconds int64 = 300

// DefaultTolerationSeconds is upstream's plugin of that name for pod creates: a pod
// that does not already tolerate the NoExecute taints node.kubernetes.io/not-ready and
// node.kubernetes.io/unreachable gets a toleration of each for 300 seconds, so its
// node may be out of touch that long before taint eviction deletes it. A toleration
// with an empty key (every taint) or an empty effect (every effect) counts as
// tolerating it already.
func DefaultTolerationSeconds(_ context.Context, obj runtime.Object) error {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if toleratesNoExecute(pod.Spec.Tolerations, key) {
			continue
		}
		s := defaultTolerationSeconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &s,
		})
	}
	return nil
}

func toleratesNoExecute(tols []corev1.Toleration, key string) bool {
	for _, t := range tols {
		if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}
