package scheduler

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/cache"
)

// The informers' handlers only update the cache and the queue; the loop does the rest.

// addHandlers wires the pod and node informers to the cache and queue.
func (l *loop) addHandlers(pods, nodes cache.SharedIndexInformer) error {
	_, err1 := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { l.podAdded(obj.(*corev1.Pod)) },
		UpdateFunc: func(o, n any) { l.podUpdated(o.(*corev1.Pod), n.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if p := podFrom(obj); p != nil {
				l.podDeleted(p)
			}
		},
	})
	_, err2 := nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			l.cache.SetNode(obj.(*corev1.Node))
			l.queue.MoveAll()
		},
		UpdateFunc: func(o, n any) {
			oldNode, newNode := o.(*corev1.Node), n.(*corev1.Node)
			l.cache.SetNode(newNode)
			if nodeChangeMatters(oldNode, newNode) {
				l.queue.MoveAll()
			}
		},
		DeleteFunc: func(obj any) {
			switch t := obj.(type) {
			case *corev1.Node:
				l.cache.RemoveNode(t.Name)
			case cache.DeletedFinalStateUnknown:
				if n, ok := t.Obj.(*corev1.Node); ok {
					l.cache.RemoveNode(n.Name)
				}
			}
		},
	})
	return errors.Join(err1, err2)
}

func podFrom(obj any) *corev1.Pod {
	switch t := obj.(type) {
	case *corev1.Pod:
		return t
	case cache.DeletedFinalStateUnknown:
		p, _ := t.Obj.(*corev1.Pod)
		return p
	}
	return nil
}

// nodeChangeMatters: what a filter reads changed, so parked pods may now fit.
func nodeChangeMatters(a, b *corev1.Node) bool {
	return a.Spec.Unschedulable != b.Spec.Unschedulable ||
		!apiequality.Semantic.DeepEqual(a.Spec.Taints, b.Spec.Taints) ||
		!apiequality.Semantic.DeepEqual(a.Labels, b.Labels) ||
		!apiequality.Semantic.DeepEqual(a.Status.Allocatable, b.Status.Allocatable) ||
		readyStatus(a) != readyStatus(b)
}

func readyStatus(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ours: a pending pod this scheduler is responsible for.
func (l *loop) ours(p *corev1.Pod) bool {
	return p.Spec.NodeName == "" && p.Spec.SchedulerName == l.profile.SchedulerName && !terminal(p)
}

func (l *loop) podAdded(p *corev1.Pod) {
	switch {
	case p.Spec.NodeName != "":
		l.nominate.Delete(p.UID)
		if terminal(p) {
			return
		}
		l.cache.AddPod(p)
		l.queue.MoveIf(affectedByAssignedPod)
	case l.ours(p):
		l.nominate.Set(p, p.Status.NominatedNodeName)
		l.enqueue(p, nil)
	}
}

func (l *loop) podUpdated(oldPod, newPod *corev1.Pod) {
	switch {
	case newPod.Spec.NodeName != "":
		if oldPod.Spec.NodeName == "" {
			l.queue.Delete(newPod.UID) // bound, by us or someone else
			l.nominate.Delete(newPod.UID)
		}
		if terminal(newPod) {
			l.cache.RemovePod(newPod.UID)
			l.queue.MoveAll()
			return
		}
		l.cache.AddPod(newPod)
		if !apiequality.Semantic.DeepEqual(oldPod.Labels, newPod.Labels) {
			l.queue.MoveIf(affectedByAssignedPod)
		}
	case l.ours(newPod):
		if l.cache.IsAssumed(newPod.UID) {
			return // bound by us a moment ago; the API has not said so yet
		}
		if newPod.Status.NominatedNodeName != oldPod.Status.NominatedNodeName {
			l.nominate.Set(newPod, newPod.Status.NominatedNodeName)
		}
		l.enqueue(newPod, oldPod)
	default:
		l.queue.Delete(newPod.UID)
		l.nominate.Delete(newPod.UID)
	}
}

func (l *loop) podDeleted(p *corev1.Pod) {
	if p.Spec.NodeName != "" || l.cache.IsAssumed(p.UID) {
		l.cache.RemovePod(p.UID)
		l.queue.MoveAll() // room was freed
	}
	l.queue.Delete(p.UID)
	l.nominate.Delete(p.UID)
}

// enqueue queues a pending pod, unless scheduling gates hold it back: then it only
// gets upstream's SchedulingGated condition.
func (l *loop) enqueue(p, old *corev1.Pod) {
	if len(p.Spec.SchedulingGates) > 0 {
		l.queue.Delete(p.UID)
		l.gated(p)
		return
	}
	if old == nil {
		l.queue.Add(p)
		return
	}
	l.queue.Update(old, p)
}

// affectedByAssignedPod: a pod placed somewhere may satisfy the pod affinity or
// change the spreading a parked pod waits for.
func affectedByAssignedPod(p *corev1.Pod) bool {
	a := p.Spec.Affinity
	return (a != nil && a.PodAffinity != nil) || len(p.Spec.TopologySpreadConstraints) > 0
}
