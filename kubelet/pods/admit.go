package pods

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Admission: a pod bound to the node without the scheduler (spec.nodeName set by its
// creator) may ask for what the node has already given away. Before a pod's first
// sandbox the agent checks, as upstream's kubelet checks its general predicates, that
// its host ports are free among the pods it admitted earlier; a pod that does not fit
// is rejected: it fails with the predicate as reason and never runs, and its controller
// (a StatefulSet, say) makes another.

// portKey is one host port in use: protocol, host IP ("" and 0.0.0.0 mean all) and port.
type portKey struct {
	proto corev1.Protocol
	ip    string
	port  int32
}

func hostPorts(pod *corev1.Pod) []portKey {
	var out []portKey
	add := func(cs []corev1.Container) {
		for _, c := range cs {
			for _, p := range c.Ports {
				if p.HostPort <= 0 {
					continue
				}
				proto := p.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				ip := p.HostIP
				if ip == "0.0.0.0" {
					ip = ""
				}
				out = append(out, portKey{proto, ip, p.HostPort})
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	return out
}

// conflicts reports whether two host ports cannot both be bound.
func (a portKey) conflicts(b portKey) bool {
	return a.proto == b.proto && a.port == b.port && (a.ip == "" || b.ip == "" || a.ip == b.ip)
}

// hostPortsFree reports whether pod's host ports are free among the node's admitted pods:
// those that started (the agent set their startTime) and have not finished.
func (m *Manager) hostPortsFree(pod *corev1.Pod) bool {
	want := hostPorts(pod)
	if len(want) == 0 {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for uid, other := range m.pods {
		if uid == pod.UID || other.Status.StartTime == nil || other.DeletionTimestamp != nil ||
			other.Status.Phase == corev1.PodSucceeded || other.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, h := range hostPorts(other) {
			for _, w := range want {
				if h.conflicts(w) {
					return false
				}
			}
		}
	}
	return true
}

// reject fails a pod the node cannot admit, as upstream's kubelet rejects one: phase
// Failed, the predicate as reason, "Pod was rejected: …" as message, and an event.
func (m *Manager) reject(ctx context.Context, pod *corev1.Pod, reason, message string) error {
	m.event(pod, corev1.EventTypeWarning, reason, "%s", message)
	updated := pod.DeepCopy()
	now := metav1.NewTime(m.cfg.Clock.Now())
	updated.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: reason, Message: "Pod was rejected: " + message,
		QOSClass: pod.Status.QOSClass, StartTime: &now, ObservedGeneration: pod.Generation}
	_, err := m.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rejecting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// admit rejects a pod that has not started yet if it does not fit; it reports whether
// the pod was rejected.
func (m *Manager) admit(ctx context.Context, pod *corev1.Pod, obs *observed) (rejected bool, err error) {
	if !obs.empty() || pod.Status.StartTime != nil {
		return false, nil // admitted before (this agent, or one before a restart)
	}
	if !m.hostPortsFree(pod) {
		return true, m.reject(ctx, pod, "NodePorts", "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports")
	}
	return false, nil
}
