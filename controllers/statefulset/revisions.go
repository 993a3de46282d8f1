package statefulset

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"kite/controllers/history"
)

// A StatefulSet's revision holds a strategic merge patch that puts its pod template
// back: {"spec":{"template":{...,"$patch":"replace"}}}. This is upstream's format, and
// `kubectl rollout undo` applies exactly these bytes to the StatefulSet, so it must
// stay so.

// patchOf returns the patch that restores set's pod template. The template goes
// through a map so that its keys are sorted: the same template always makes the same
// bytes, hence the same hash.
func patchOf(set *appsv1.StatefulSet) ([]byte, error) {
	raw, err := json.Marshal(set.Spec.Template)
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

// newRevision makes revision number `revision` of set's current template, carrying
// set's annotations (kubectl's change-cause among them).
func newRevision(set *appsv1.StatefulSet, revision int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	patch, err := patchOf(set)
	if err != nil {
		return nil, err
	}
	cr := history.NewRevision(set, controllerKind, set.Spec.Template.Labels, patch, revision, collisionCount)
	if len(set.Annotations) > 0 {
		if cr.Annotations == nil {
			cr.Annotations = map[string]string{}
		}
		maps.Copy(cr.Annotations, set.Annotations)
	}
	return cr, nil
}

// applyRevision returns a copy of set with rev's template.
func applyRevision(set *appsv1.StatefulSet, rev *appsv1.ControllerRevision) (*appsv1.StatefulSet, error) {
	orig, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	patched, err := strategicpatch.StrategicMergePatch(orig, rev.Data.Raw, &appsv1.StatefulSet{})
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
	}
	out := &appsv1.StatefulSet{}
	if err := json.Unmarshal(patched, out); err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
	}
	return out, nil
}

// resolveRevisions finds set's current and update revisions among its sorted
// revisions, storing the update revision when set's template is new and renumbering
// an old one when the template went back to it (a rollback). It returns the collision
// count to save in status.
func (c *Controller) resolveRevisions(ctx context.Context, set *appsv1.StatefulSet, sorted []*appsv1.ControllerRevision) (current, update *appsv1.ControllerRevision, collisions int32, err error) {
	if set.Status.CollisionCount != nil {
		collisions = *set.Status.CollisionCount
	}
	update, err = newRevision(set, history.Next(sorted), &collisions)
	if err != nil {
		return nil, nil, collisions, err
	}
	equal := history.FindEqual(sorted, update)
	switch {
	case len(equal) > 0 && history.Equal(sorted[len(sorted)-1], update):
		// The newest revision is this template: nothing changed.
		update = sorted[len(sorted)-1]
	case len(equal) > 0:
		update, err = c.history.Renumber(ctx, equal[len(equal)-1], update.Revision)
	default:
		update, err = c.history.Create(ctx, set, update, &collisions)
	}
	if err != nil {
		return nil, nil, collisions, err
	}
	for _, r := range sorted {
		if r.Name == set.Status.CurrentRevision {
			current = r
			break
		}
	}
	if current == nil {
		// No history yet (or it was lost): start from where we are going.
		current = update
	}
	return current, update, collisions, nil
}
