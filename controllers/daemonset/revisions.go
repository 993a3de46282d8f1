package daemonset

import (
	"context"
	"encoding/json"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kite/controllers/history"
)

// A DaemonSet's revision holds a strategic merge patch that puts its pod template
// back, {"spec":{"template":{...,"$patch":"replace"}}}, with sorted keys. That is
// upstream's format, and `kubectl rollout undo daemonset` compares the DaemonSet's
// template with these exact bytes and applies them as the patch, so it must stay so.

// patchOf returns the patch that restores ds's pod template.
func patchOf(ds *appsv1.DaemonSet) ([]byte, error) {
	raw, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	var template map[string]any
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

// revisionHash is the hash a revision's pods carry in controller-revision-hash.
func revisionHash(rev *appsv1.ControllerRevision) string {
	if h := rev.Labels[hashLabel]; h != "" {
		return h
	}
	if h := rev.Labels[history.HashLabel]; h != "" {
		return h
	}
	return rev.Name
}

// revisions finds (or makes) the revision of ds's current template and returns it
// with the others, and the collision count to save in status. The current revision
// always holds the highest number: going back to an old template renumbers it.
func (c *Controller) revisions(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector) (cur *appsv1.ControllerRevision, old []*appsv1.ControllerRevision, collisions int32, err error) {
	if ds.Status.CollisionCount != nil {
		collisions = *ds.Status.CollisionCount
	}
	all, err := c.history.List(ds, selector)
	if err != nil {
		return nil, nil, collisions, err
	}
	var owned []*appsv1.ControllerRevision
	for _, r := range all {
		if metav1.GetControllerOf(r) == nil {
			if ds.DeletionTimestamp != nil {
				continue
			}
			adopted, err := c.history.Adopt(ctx, ds, controllerKind, r)
			if err != nil {
				// Gone or taken meanwhile: not ours.
				continue
			}
			r = adopted
		}
		owned = append(owned, r)
	}
	history.Sort(owned)
	patch, err := patchOf(ds)
	if err != nil {
		return nil, nil, collisions, err
	}
	want := c.newRevision(ds, patch, history.Next(owned), collisions)
	var current []*appsv1.ControllerRevision
	for _, r := range owned {
		if history.Equal(r, want) {
			current = append(current, r)
		} else {
			old = append(old, r)
		}
	}
	next := history.Next(old)
	switch len(current) {
	case 0:
		want.Revision = next
		cur, err = c.history.Create(ctx, ds, want, &collisions)
		if err != nil {
			return nil, nil, collisions, err
		}
		if cur.Labels[hashLabel] != cur.Labels[history.HashLabel] {
			// A collision moved the name on: the hash label must follow it.
			fixed := cur.DeepCopy()
			fixed.Labels[hashLabel] = fixed.Labels[history.HashLabel]
			if cur, err = c.client.AppsV1().ControllerRevisions(ds.Namespace).Update(ctx, fixed, metav1.UpdateOptions{}); err != nil {
				return nil, nil, collisions, err
			}
		}
	default:
		// Duplicates of the current template (from a lost race) go; the newest stays.
		cur = current[len(current)-1]
		for _, dup := range current[:len(current)-1] {
			if err := c.history.Delete(ctx, dup); err != nil {
				return nil, nil, collisions, err
			}
		}
		if cur.Revision < next {
			if cur, err = c.history.Renumber(ctx, cur, next); err != nil {
				return nil, nil, collisions, err
			}
		}
	}
	return cur, old, collisions, nil
}

// newRevision makes (does not store) a revision of ds holding patch, labelled with
// the template's labels and controller-revision-hash, carrying ds's annotations
// (kubectl's change-cause among them) as upstream.
func (c *Controller) newRevision(ds *appsv1.DaemonSet, patch []byte, number int64, collisions int32) *appsv1.ControllerRevision {
	lbls := maps.Clone(ds.Spec.Template.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	lbls[hashLabel] = history.Hash(patch, &collisions)
	rev := history.NewRevision(ds, controllerKind, lbls, patch, number, &collisions)
	if len(ds.Annotations) > 0 {
		rev.Annotations = maps.Clone(ds.Annotations)
	}
	return rev
}

// pruneRevisions deletes the oldest of old beyond revisionHistoryLimit, sparing any
// that a pod still runs.
func (c *Controller) pruneRevisions(ctx context.Context, ds *appsv1.DaemonSet, old []*appsv1.ControllerRevision, liveHashes map[string]bool) error {
	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	live := map[string]bool{}
	for _, r := range old {
		if liveHashes[revisionHash(r)] {
			live[r.Name] = true
		}
	}
	return c.history.Truncate(ctx, old, live, limit)
}
