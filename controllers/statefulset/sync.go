package statefulset

import (
	"context"
	"errors"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kite/controllers/claim"
	"kite/controllers/history"
)

// sync brings the StatefulSet key one step toward its spec: see the package
// documentation.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	set, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		// Validation prevents this; nothing sensible can be done with it.
		c.logger.Warn("invalid selector", "statefulset", key, "err", err)
		return nil
	}
	// One live check of set per sync, shared by revisions and pods.
	canAdopt := claim.Recheck(set, "StatefulSet", c.client.AppsV1().StatefulSets(set.Namespace).Get)
	revs, err := c.history.List(set, selector)
	if err != nil {
		return err
	}
	revs, err = c.adoptRevisions(ctx, set, revs, canAdopt)
	if err != nil {
		return err
	}
	pods, err := c.claimPods(ctx, set, selector, canAdopt)
	if err != nil {
		return err
	}

	history.Sort(revs)
	current, update, collisions, err := c.resolveRevisions(ctx, set, revs)
	if err != nil {
		return err
	}
	status, updateErr := c.updateSet(ctx, set, current, update, collisions, pods)
	if status != nil {
		if err := c.writeStatus(ctx, set, status); err != nil {
			updateErr = errors.Join(updateErr, err)
		}
	}
	// Revisions no pod and no status names any longer go, oldest first.
	live := map[string]bool{current.Name: true, update.Name: true}
	for _, p := range pods {
		live[revisionOf(p)] = true
	}
	limit := 10
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	if err := c.history.Truncate(ctx, revs, live, limit); err != nil {
		updateErr = errors.Join(updateErr, err)
	}
	if updateErr == nil && status != nil && set.Spec.MinReadySeconds > 0 && status.AvailableReplicas != int32(replicasOf(set)) {
		c.queue.AddAfter(key, time.Duration(set.Spec.MinReadySeconds)*time.Second)
	}
	return updateErr
}

// updateSet runs the updater for set at its current and update revisions.
func (c *Controller) updateSet(ctx context.Context, set *appsv1.StatefulSet, current, update *appsv1.ControllerRevision, collisions int32, pods []*corev1.Pod) (*appsv1.StatefulSetStatus, error) {
	currentSet, err := applyRevision(set, current)
	if err != nil {
		return nil, err
	}
	updateSet, err := applyRevision(set, update)
	if err != nil {
		return nil, err
	}
	return c.updater.update(ctx, set, revisions{
		currentSet: currentSet, updateSet: updateSet,
		currentName: current.Name, updateName: update.Name,
		collisionCount: collisions,
	}, pods)
}

// adoptRevisions makes set the controller of the orphans among revs.
func (c *Controller) adoptRevisions(ctx context.Context, set *appsv1.StatefulSet, revs []*appsv1.ControllerRevision, canAdopt func(context.Context) error) ([]*appsv1.ControllerRevision, error) {
	out := make([]*appsv1.ControllerRevision, 0, len(revs))
	for _, r := range revs {
		if metav1.GetControllerOf(r) != nil {
			out = append(out, r)
			continue
		}
		if set.DeletionTimestamp != nil {
			continue
		}
		if err := canAdopt(ctx); err != nil {
			return nil, err
		}
		adopted, err := c.history.Adopt(ctx, set, controllerKind, r)
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		out = append(out, adopted)
	}
	return out, nil
}

// claimPods returns the pods set controls after adopting orphans that its selector
// matches and whose names make them members, and releasing the pods it controls that
// no longer match. Terminating pods are included: ordering waits for them.
func (c *Controller) claimPods(ctx context.Context, set *appsv1.StatefulSet, selector labels.Selector, canAdopt func(context.Context) error) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	podClient := c.client.CoreV1().Pods(set.Namespace)
	return claim.Objects(ctx, claim.Config[*corev1.Pod]{
		Owner:    set,
		Match:    func(p *corev1.Pod) bool { return selector.Matches(labels.Set(p.Labels)) && isMemberOf(set, p) },
		CanAdopt: canAdopt,
		Adopt:    claim.Adopter(set, controllerKind, podClient.Patch),
		Release:  claim.Releaser(set, podClient.Patch),
	}, all)
}
