package worker

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// Recorder records a controller's Events through the API, under component as the
// source (upstream's names: "replicaset-controller", "deployment-controller", …).
type Recorder struct {
	record.EventRecorder
	broadcaster record.EventBroadcaster
	client      kubernetes.Interface
}

// NewRecorder makes a recorder; events are sent only between Start and its stop.
func NewRecorder(client kubernetes.Interface, component string) *Recorder {
	b := record.NewBroadcaster()
	return &Recorder{
		EventRecorder: b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component}),
		broadcaster:   b,
		client:        client,
	}
}

// Start sends recorded events to the API until the returned stop is called.
func (r *Recorder) Start() (stop func()) {
	r.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: r.client.CoreV1().Events("")})
	return r.broadcaster.Shutdown
}
