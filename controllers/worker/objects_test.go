package worker

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func TestObjectSeesThroughAMissedDeletion(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	for name, obj := range map[string]any{
		"the object":              pod,
		"a missed deletion of it": cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: pod},
	} {
		got, ok := Object[*corev1.Pod](obj)
		if !ok || got != pod {
			t.Errorf("%s: Object = %v, %v; want the pod", name, got, ok)
		}
		if Unwrap(obj) != any(pod) {
			t.Errorf("%s: Unwrap did not return the pod", name)
		}
	}
}

func TestObjectRejectsOtherTypes(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c"}}
	for name, obj := range map[string]any{
		"another type":             cm,
		"a missed deletion of one": cache.DeletedFinalStateUnknown{Key: "ns/c", Obj: cm},
		"nil":                      nil,
	} {
		if got, ok := Object[*corev1.Pod](obj); ok || got != nil {
			t.Errorf("%s: Object = %v, %v; want nil, false", name, got, ok)
		}
	}
}
