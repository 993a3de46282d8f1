package endpointslice

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// SliceEvents is the handler on the EndpointSlice informer of a controller that keeps
// slices labelled managed-by managedBy, keyed by their owner's namespace/name (the
// service-name label): this controller and endpointslicemirroring. A change to one of
// its slices queues the owner, so a slice edited or deleted by someone else is put
// right; a deletion is also reported to t, which then stops waiting for it.
// Slices of other managers are ignored.
func (t *Tracker) SliceEvents(managedBy string, enqueue func(key string)) cache.ResourceEventHandler {
	owner := func(obj any) (string, *discoveryv1.EndpointSlice) {
		s, ok := worker.Object[*discoveryv1.EndpointSlice](obj)
		if !ok || s.Labels[discoveryv1.LabelManagedBy] != managedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
			return "", nil
		}
		return s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName], s
	}
	changed := func(obj any) {
		if key, _ := owner(obj); key != "" {
			enqueue(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    changed,
		UpdateFunc: func(_, cur any) { changed(cur) },
		DeleteFunc: func(obj any) {
			if key, s := owner(obj); key != "" {
				t.Observed(key, s.UID)
				enqueue(key)
			}
		},
	}
}
