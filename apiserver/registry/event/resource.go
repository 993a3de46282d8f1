package event

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TTL is how long a stored event lives: kube-apiserver's default --event-ttl.
const TTL = time.Hour

// Resource describes core/v1 events as upstream serves them: namespaced, short name
// "ev", names checked only as path segments, expiring after TTL.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "events",
		Kind:         "Event",
		SingularName: "event",
		Namespaced:   true,
		ShortNames:   []string{"ev"},
		StorageTTL:   TTL,
		ValidateName: validateName,
		New:          func() runtime.Object { return &corev1.Event{} },
		NewList:      func() runtime.Object { return &corev1.EventList{} },
		Strategy:     Strategy{},
	}
}

// validateName accepts any name that is safe as one segment of a URL path, which is
// all upstream asks of a core/v1 event's name.
func validateName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}
