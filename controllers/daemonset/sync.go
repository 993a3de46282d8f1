package daemonset

import (
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// sync brings the DaemonSet key to its desired state; see the package documentation.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	ds, err := c.dsLst.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	selector, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		c.logger.Warn("invalid selector", "daemonset", key, "err", err)
		return nil
	}
	if selector.Empty() {
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
		return nil
	}
	nodes, err := c.nodeLst.List(labels.Everything())
	if err != nil {
		return err
	}
	if ds.DeletionTimestamp != nil {
		return nil
	}
	cur, old, collisions, err := c.revisions(ctx, ds, selector)
	if err != nil {
		return fmt.Errorf("revisions of %s: %w", key, err)
	}
	hash := revisionHash(cur)
	if !c.expect.satisfied(key) {
		// Only report what is there; act once the informers caught up.
		return c.writeStatus(ctx, ds, selector, nodes, hash, collisions, false)
	}
	if err := c.manage(ctx, ds, selector, nodes, hash); err != nil {
		return err
	}
	if c.expect.satisfied(key) && ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if err := c.rollingUpdate(ctx, ds, selector, nodes, hash); err != nil {
			return err
		}
	}
	byNode, err := c.podsByNode(ctx, ds, selector, false)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, pods := range byNode {
		for _, p := range pods {
			live[p.Labels[hashLabel]] = true
		}
	}
	if err := c.pruneRevisions(ctx, ds, old, live); err != nil {
		return err
	}
	return c.writeStatus(ctx, ds, selector, nodes, hash, collisions, true)
}

// podsByNode claims ds's pods and groups them by target node. Unless withFinished,
// terminal pods already being deleted are left out: nothing is left to do with them.
func (c *Controller) podsByNode(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector, withFinished bool) (map[string][]*corev1.Pod, error) {
	all, err := c.podLst.Pods(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	owned, err := c.claim(ctx, ds, selector, all)
	if err != nil {
		return nil, err
	}
	out := map[string][]*corev1.Pod{}
	for _, p := range owned {
		if !withFinished && isTerminal(p) && p.DeletionTimestamp != nil {
			continue
		}
		out[targetNode(p)] = append(out[targetNode(p)], p)
	}
	return out, nil
}

// manage makes a pod on every node that should run one and has none, and deletes the
// pods that should not be where they are: on nodes that no longer take them, failed
// (with back-off per node) or succeeded, or a second pod on a node.
func (c *Controller) manage(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector, nodes []*corev1.Node, hash string) error {
	byNode, err := c.podsByNode(ctx, ds, selector, true)
	if err != nil {
		return err
	}
	var create []string
	var remove []*corev1.Pod
	seen := map[string]bool{}
	for _, node := range nodes {
		seen[node.Name] = true
		n, r := c.onNode(ds, node, byNode[node.Name], hash)
		if n {
			create = append(create, node.Name)
		}
		remove = append(remove, r...)
	}
	// Pods for nodes that do not exist (any more) never get anywhere.
	for node, pods := range byNode {
		if seen[node] {
			continue
		}
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				remove = append(remove, p)
			}
		}
	}
	return c.syncNodes(ctx, ds, remove, create, hash)
}

// onNode decides for one node: whether it needs a pod, and which of its pods go.
func (c *Controller) onNode(ds *appsv1.DaemonSet, node *corev1.Node, pods []*corev1.Pod, hash string) (needs bool, remove []*corev1.Pod) {
	pl := placementOn(ds, node)
	switch {
	case pl.run && len(pods) == 0:
		return true, nil
	case pl.keep:
		var running []*corev1.Pod
		for _, p := range pods {
			if p.DeletionTimestamp != nil {
				continue
			}
			switch p.Status.Phase {
			case corev1.PodFailed:
				// The kubelet may keep rejecting this pod: do not fight it in a hot loop.
				bkey := string(ds.UID) + "/" + node.Name
				now := c.clock.Now()
				if c.backoff.IsInBackOffSinceUpdate(bkey, now) {
					c.queue.AddAfter(keyOf(ds.Namespace, ds.Name), c.backoff.Get(bkey))
					continue
				}
				c.backoff.Next(bkey, now)
				c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod",
					"Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, node.Name)
				remove = append(remove, p)
			case corev1.PodSucceeded:
				remove = append(remove, p)
			default:
				running = append(running, p)
			}
		}
		sortOldestFirst(running)
		if !surges(ds) {
			// One pod per node: the oldest stays.
			if len(running) > 1 {
				remove = append(remove, running[1:]...)
			}
			return false, remove
		}
		// Surging allows one old and one new pod; the old goes once the new is
		// available (or at once when it is not ready anyway).
		var oldestNew, oldestOld *corev1.Pod
		for _, p := range running {
			if p.Labels[hashLabel] == hash {
				if oldestNew == nil {
					oldestNew = p
					continue
				}
			} else if oldestOld == nil {
				oldestOld = p
				continue
			}
			remove = append(remove, p)
		}
		if oldestNew != nil && oldestOld != nil &&
			(!isReady(oldestOld) || isAvailable(oldestNew, ds.Spec.MinReadySeconds, c.clock.Now())) {
			remove = append(remove, oldestOld)
		}
		return false, remove
	default:
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				remove = append(remove, p)
			}
		}
		return false, remove
	}
}

// rollingUpdate takes one step of the update to hash's template; see planRollout.
func (c *Controller) rollingUpdate(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector, nodes []*corev1.Node, hash string) error {
	byNode, err := c.podsByNode(ctx, ds, selector, false)
	if err != nil {
		return err
	}
	eligible := map[string]bool{}
	plan := map[string][]*corev1.Pod{}
	for _, n := range nodes {
		if placementOn(ds, n).run {
			eligible[n.Name] = true
			plan[n.Name] = byNode[n.Name]
		}
	}
	// Nodes with pods that should not run there still count as unavailable, as upstream.
	for n, pods := range byNode {
		if _, ok := plan[n]; !ok {
			plan[n] = pods
		}
	}
	surge, unavailable, err := limits(ds, len(eligible))
	if err != nil {
		return err
	}
	step := planRollout(ds, plan, hash, surge, unavailable, c.clock.Now(), func(n string) bool { return eligible[n] })
	return c.syncNodes(ctx, ds, step.deletePods, step.createNodes, hash)
}

// syncNodes deletes remove and creates a pod for each of create, at most
// burstReplicas of each, creating in slow-start batches.
func (c *Controller) syncNodes(ctx context.Context, ds *appsv1.DaemonSet, remove []*corev1.Pod, create []string, hash string) error {
	key := keyOf(ds.Namespace, ds.Name)
	create = create[:min(len(create), burstReplicas)]
	remove = remove[:min(len(remove), burstReplicas)]
	if len(create) == 0 && len(remove) == 0 {
		return nil
	}
	c.expect.expect(key, len(create), len(remove))
	var errs []error
	created, err := slowStart(len(create), func(i int) error {
		err := c.createPod(ctx, ds, create[i], hash)
		if err != nil {
			c.expect.created(key)
		}
		return err
	})
	for range len(create) - created {
		c.expect.created(key)
	}
	if err != nil {
		errs = append(errs, err)
	}
	deleteErrs := parallel(len(remove), func(i int) error {
		err := c.removePod(ctx, ds, remove[i])
		if err != nil {
			c.expect.deleted(key)
		}
		return err
	})
	errs = append(errs, deleteErrs)
	return errors.Join(errs...)
}
