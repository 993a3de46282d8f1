package worker

import "k8s.io/client-go/tools/cache"

// Unwrap returns the object an informer handler was given. A delete handler may get a
// DeletedFinalStateUnknown instead of the object, when the informer missed the
// deletion and noticed it only on a relist; it carries the last state the informer
// saw, which is what the handler wants.
func Unwrap(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

// Object is Unwrap with the type an informer's handler expects, as in
// pod, ok := worker.Object[*corev1.Pod](obj); ok is false for any other type.
func Object[T any](obj any) (T, bool) {
	o, ok := Unwrap(obj).(T)
	return o, ok
}
