package scheduler

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DefaultBinder binds through the pods/binding subresource, as upstream's does: the
// API server sets spec.nodeName and the PodScheduled condition in one write, and
// refuses a pod already bound or a pod that was replaced (the uid is a precondition).
type DefaultBinder struct {
	Client kubernetes.Interface
}

func (DefaultBinder) Name() string { return "DefaultBinder" }

func (b DefaultBinder) Bind(ctx context.Context, pod *corev1.Pod, node string) error {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	return b.Client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
}
