package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/events"
)

// Upstream's messages for pods that cannot be scheduled for other reasons.
const (
	noNodesMsg = "no nodes available to schedule pods"
	gatedMsg   = "Scheduling is blocked due to non-empty scheduling gates"
	// eventNoteLimit is the longest note an event may carry (events.k8s.io/v1).
	eventNoteLimit = 1024
)

// loop is the scheduling loop of one leadership term: the cache and queue its
// informers feed, and the profile it runs.
type loop struct {
	logger   *slog.Logger
	client   kubernetes.Interface
	recorder events.EventRecorder
	profile  *Profile
	cache    *Cache
	queue    *Queue
	nominate *Nominator
	pods     corelisters.PodLister
	rnd      *rand.Rand
	start    int // the node the next cycle starts filtering at
}

// scheduleOne runs one scheduling cycle: judge qp's pod against a snapshot, assume
// it onto the chosen node, and bind it in the background (wg tracks that).
func (l *loop) scheduleOne(ctx context.Context, qp *QueuedPod, wg *sync.WaitGroup) {
	pod := l.queue.PodOf(qp)
	// The informer may have moved on while the pod waited: skip a pod that is gone,
	// bound or being deleted.
	cur, err := l.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cur.UID != pod.UID || cur.Spec.NodeName != "" || cur.DeletionTimestamp != nil || l.cache.IsAssumed(pod.UID) {
		l.queue.Done(pod.UID)
		return
	}
	pod = cur

	snap := l.cache.Snapshot()
	c := NewCycle(pod, snap)
	c.Nominated = l.nominate.For(pod)
	d := l.profile.Decide(ctx, c, l.start, l.rnd)
	if d.Nominated != "" {
		l.nominate.Set(pod, d.Nominated)
	}
	if len(snap.Nodes) > 0 {
		l.start = (l.start + d.Examined) % len(snap.Nodes)
	}
	switch {
	case d.Unschedulable:
		if d.Err != "" {
			l.logger.Error("preemption failed", "pod", pod.Namespace+"/"+pod.Name, "err", d.Err)
		}
		l.failed(ctx, qp, pod, corev1.PodReasonUnschedulable, d.Message, d.Nominated, true)
		return
	case d.Err != "":
		l.failed(ctx, qp, pod, corev1.PodReasonSchedulerError, d.Err, "", false)
		return
	}
	host := d.Node

	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = host
	l.cache.Assume(assumed)
	node := snap.Get(host).Node
	wg.Go(func() { l.bind(ctx, qp, pod, node) })
}

// bind is the binding cycle: it runs beside the next scheduling cycles. The PreBind
// plugins go first (they may wait, for volumes), then the binder.
func (l *loop) bind(ctx context.Context, qp *QueuedPod, pod *corev1.Pod, nodeObj *corev1.Node) {
	node := nodeObj.Name
	for _, pl := range l.profile.preBinds {
		if err := pl.PreBind(ctx, pod, nodeObj); err != nil {
			l.cache.Forget(pod.UID)
			if ctx.Err() != nil {
				l.queue.Done(pod.UID)
				return
			}
			l.failed(ctx, qp, pod, corev1.PodReasonSchedulerError, fmt.Sprintf("running PreBind plugin %q: %v", pl.Name(), err), "", false)
			return
		}
	}
	if err := l.profile.binder.Bind(ctx, pod, node); err != nil {
		l.cache.Forget(pod.UID)
		if ctx.Err() != nil {
			l.queue.Done(pod.UID)
			return
		}
		l.logger.Info("binding failed", "pod", pod.Namespace+"/"+pod.Name, "node", node, "err", err)
		if apierrors.IsNotFound(err) {
			l.queue.Done(pod.UID)
			return
		}
		l.failed(ctx, qp, pod, corev1.PodReasonSchedulerError, fmt.Sprintf("binding rejected: %v", err), "", false)
		return
	}
	l.queue.Done(pod.UID)
	l.nominate.Delete(pod.UID)
	l.recorder.Eventf(pod, nil, corev1.EventTypeNormal, "Scheduled", "Binding", "Successfully assigned %v/%v to %v", pod.Namespace, pod.Name, node)
	l.logger.Debug("bound", "pod", pod.Namespace+"/"+pod.Name, "node", node)
}

// failed ends a cycle that did not bind the pod: a FailedScheduling event, the
// PodScheduled=False condition with reason and msg (and the nominated node after a
// preemption), then back to the queue, parked when park (it fits nowhere), otherwise
// backing off.
func (l *loop) failed(ctx context.Context, qp *QueuedPod, pod *corev1.Pod, reason, msg, nominated string, park bool) {
	if park {
		l.queue.Unschedulable(qp)
	} else {
		l.queue.Retry(qp)
	}
	l.logger.Info("unable to schedule pod", "pod", pod.Namespace+"/"+pod.Name, "reason", reason, "msg", msg)
	note := msg
	if len(note) > eventNoteLimit {
		note = note[:eventNoteLimit-3] + "..."
	}
	l.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "FailedScheduling", "Scheduling", "%s", note)
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: reason, Message: msg}
	if err := l.patchStatus(ctx, pod, cond, nominated); err != nil && ctx.Err() == nil {
		l.logger.Info("updating pod status", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// gated marks a pod held back by scheduling gates, once.
func (l *loop) gated(pod *corev1.Pod) {
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated, Message: gatedMsg}
	if err := l.patchStatus(context.Background(), pod, cond, ""); err != nil {
		l.logger.Info("updating pod status", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// patchStatus sets cond (and nominatedNodeName when given) on pod.
func (l *loop) patchStatus(ctx context.Context, pod *corev1.Pod, cond corev1.PodCondition, nominated string) error {
	return patchPodStatus(ctx, l.client, pod, cond, nominated)
}
