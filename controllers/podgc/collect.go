package podgc

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// fieldManager is upstream's name for podgc's status writes.
const fieldManager = "PodGC"

// taintOutOfService is the taint an operator puts on a node that is down for good.
const taintOutOfService = "node.kubernetes.io/out-of-service"

// collect runs one collection over the informers' view.
func (c *Controller) collect(ctx context.Context) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		c.logger.Error("listing pods", "err", err)
		return
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		c.logger.Error("listing nodes", "err", err)
		return
	}
	byName := make(map[string]*corev1.Node, len(nodes))
	for _, n := range nodes {
		byName[n.Name] = n
	}
	c.terminated(ctx, pods)
	c.orphaned(ctx, pods, byName)
	c.unscheduledTerminating(ctx, pods)
	c.outOfService(ctx, pods, byName)
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func evicted(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed && p.Status.Reason == "Evicted"
}

// ToDelete picks the terminated pods beyond threshold: evicted ones first, then the
// oldest. A negative threshold picks none.
func ToDelete(pods []*corev1.Pod, threshold int) []*corev1.Pod {
	if threshold < 0 {
		return nil
	}
	var done []*corev1.Pod
	for _, p := range pods {
		if terminal(p) && p.DeletionTimestamp == nil {
			done = append(done, p)
		}
	}
	if len(done) <= threshold {
		return nil
	}
	slices.SortStableFunc(done, func(a, b *corev1.Pod) int {
		if evicted(a) != evicted(b) {
			if evicted(a) {
				return -1
			}
			return 1
		}
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	return done[:len(done)-threshold]
}

func (c *Controller) terminated(ctx context.Context, pods []*corev1.Pod) {
	victims := ToDelete(pods, c.threshold)
	if len(victims) > 0 {
		c.logger.Info("deleting terminated pods over the threshold", "count", len(victims), "threshold", c.threshold)
	}
	for _, p := range victims {
		c.failAndDelete(ctx, p, nil)
	}
}

// orphaned deletes the pods of nodes missing for longer than the quarantine.
func (c *Controller) orphaned(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) {
	now := c.clock.Now()
	named := map[string]bool{}
	for _, p := range pods {
		n := p.Spec.NodeName
		if n == "" || nodes[n] != nil {
			continue
		}
		named[n] = true
		if _, ok := c.missing[n]; !ok {
			c.missing[n] = now
		}
	}
	gone := map[string]bool{}
	for n, since := range c.missing {
		if !named[n] {
			// Its pods are gone, or it appeared.
			delete(c.missing, n)
			continue
		}
		if now.Sub(since) < c.quarantine {
			continue
		}
		// The informer may lag: ask the server before deleting anything.
		_, err := c.client.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			gone[n] = true
			delete(c.missing, n)
		case err == nil:
			delete(c.missing, n)
		default:
			c.logger.Warn("looking up a missing node", "node", n, "err", err)
		}
	}
	for _, p := range pods {
		if !gone[p.Spec.NodeName] {
			continue
		}
		c.logger.Info("deleting a pod of a node that no longer exists", "pod", p.Namespace+"/"+p.Name, "node", p.Spec.NodeName)
		c.failAndDelete(ctx, p, corev1ac.PodCondition().
			WithType(corev1.DisruptionTarget).WithStatus(corev1.ConditionTrue).
			WithReason("DeletionByPodGC").WithMessage("PodGC: node no longer exists"))
	}
}

// unscheduledTerminating deletes terminating pods no kubelet will ever finish.
func (c *Controller) unscheduledTerminating(ctx context.Context, pods []*corev1.Pod) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			c.logger.Info("deleting an unscheduled terminating pod", "pod", p.Namespace+"/"+p.Name)
			c.failAndDelete(ctx, p, nil)
		}
	}
}

// outOfService deletes terminating pods on nodes an operator declared out of service.
func (c *Controller) outOfService(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) {
	for _, p := range pods {
		n := nodes[p.Spec.NodeName]
		if p.DeletionTimestamp == nil || n == nil || nodeReady(n) || !hasOutOfServiceTaint(n) {
			continue
		}
		c.logger.Info("deleting a terminating pod on an out-of-service node", "pod", p.Namespace+"/"+p.Name, "node", n.Name)
		c.failAndDelete(ctx, p, nil)
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasOutOfServiceTaint(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == taintOutOfService && t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

// failAndDelete marks a pod that has not finished Failed (with cond, when given) and
// deletes it at once.
func (c *Controller) failAndDelete(ctx context.Context, p *corev1.Pod, cond *corev1ac.PodConditionApplyConfiguration) {
	if !terminal(p) {
		status := corev1ac.PodStatus().WithPhase(corev1.PodFailed)
		if cond != nil {
			status.WithConditions(cond.WithLastTransitionTime(metav1.NewTime(c.clock.Now())))
		}
		apply := corev1ac.Pod(p.Name, p.Namespace).WithStatus(status)
		_, err := c.client.CoreV1().Pods(p.Namespace).ApplyStatus(ctx, apply, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
		if apierrors.IsNotFound(err) {
			return
		}
		if err != nil {
			c.logger.Warn("marking a pod failed", "pod", p.Namespace+"/"+p.Name, "err", err)
			return
		}
	}
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64), Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		c.logger.Warn("deleting a pod", "pod", p.Namespace+"/"+p.Name, "err", err)
	}
}
