package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/util/retry"
)

// maxCollisions bounds the names Create tries: each collision means another revision
// with other data holds the name, which FNV-32 makes rare; a hundred in a row means
// something else is wrong.
const maxCollisions = 100

// Config is what History needs.
type Config struct {
	// Client writes revisions. Required.
	Client kubernetes.Interface
	// Lister reads them, from a shared informer. Required.
	Lister appslisters.ControllerRevisionLister
}

// History reads and writes ControllerRevisions for controllers.
type History struct {
	client kubernetes.Interface
	lister appslisters.ControllerRevisionLister
}

// New makes a History.
func New(cfg Config) (*History, error) {
	if cfg.Client == nil || cfg.Lister == nil {
		return nil, errors.New("history: Client and Lister are required")
	}
	return &History{client: cfg.Client, lister: cfg.Lister}, nil
}

// List returns the revisions in parent's namespace that selector matches and that
// parent controls or no one controls (orphans, for the caller to adopt). The objects
// are the lister's: copy before changing.
func (h *History) List(parent metav1.Object, selector labels.Selector) ([]*appsv1.ControllerRevision, error) {
	all, err := h.lister.ControllerRevisions(parent.GetNamespace()).List(selector)
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		ref := metav1.GetControllerOf(r)
		if ref == nil || ref.UID == parent.GetUID() {
			out = append(out, r)
		}
	}
	return out, nil
}

// Create stores rev (from NewRevision) for parent. When its name is taken by a
// revision with the same data, that one is returned; when by one with other data,
// *collisionCount is raised and the next name tried, so the caller must save the
// count in its status to find the revision again.
func (h *History) Create(ctx context.Context, parent metav1.Object, rev *appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	if collisionCount == nil {
		return nil, errors.New("history: Create needs a collision count")
	}
	for range maxCollisions {
		cp := rev.DeepCopy()
		hash := Hash(cp.Data.Raw, collisionCount)
		cp.Name = Name(parent.GetName(), hash)
		cp.Namespace = parent.GetNamespace()
		if cp.Labels == nil {
			cp.Labels = map[string]string{}
		}
		cp.Labels[HashLabel] = hash
		created, err := h.client.AppsV1().ControllerRevisions(cp.Namespace).Create(ctx, cp, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			return created, err
		}
		existing, err := h.client.AppsV1().ControllerRevisions(cp.Namespace).Get(ctx, cp.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if bytes.Equal(existing.Data.Raw, cp.Data.Raw) {
			return existing, nil
		}
		*collisionCount++
	}
	return nil, fmt.Errorf("history: %d name collisions creating a revision of %s/%s", maxCollisions, parent.GetNamespace(), parent.GetName())
}

// Renumber gives rev the number revision (to make an old template the newest again),
// retrying on conflicts with the latest copy.
func (h *History) Renumber(ctx context.Context, rev *appsv1.ControllerRevision, revision int64) (*appsv1.ControllerRevision, error) {
	cp := rev.DeepCopy()
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if cp.Revision == revision {
			return nil
		}
		cp.Revision = revision
		updated, err := h.client.AppsV1().ControllerRevisions(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
		if err == nil {
			cp = updated
			return nil
		}
		if fresh, getErr := h.client.AppsV1().ControllerRevisions(cp.Namespace).Get(ctx, cp.Name, metav1.GetOptions{}); getErr == nil {
			cp = fresh
		}
		return err
	})
	return cp, err
}

// Delete deletes rev; one already gone is not an error.
func (h *History) Delete(ctx context.Context, rev *appsv1.ControllerRevision) error {
	err := h.client.AppsV1().ControllerRevisions(rev.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &rev.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// Adopt makes parent the controller of the orphan rev. The patch carries rev's uid so
// that it fails on a revision deleted and recreated under the same name.
func (h *History) Adopt(ctx context.Context, parent metav1.Object, parentKind schema.GroupVersionKind, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	if ref := metav1.GetControllerOf(rev); ref != nil {
		return nil, fmt.Errorf("history: revision %s/%s is already controlled by %s %s", rev.Namespace, rev.Name, ref.Kind, ref.Name)
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{*metav1.NewControllerRef(parent, parentKind)},
		"uid":             rev.UID,
	}})
	if err != nil {
		return nil, err
	}
	return h.client.AppsV1().ControllerRevisions(rev.Namespace).Patch(ctx, rev.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
}

// Release removes parent's ownerReference from rev; a revision gone or recreated
// meanwhile is not an error.
func (h *History) Release(ctx context.Context, parent metav1.Object, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": parent.GetUID()}},
		"uid":             rev.UID,
	}})
	if err != nil {
		return nil, err
	}
	out, err := h.client.AppsV1().ControllerRevisions(rev.Namespace).Patch(ctx, rev.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		return nil, nil
	}
	return out, err
}

// Truncate deletes the revisions Surplus picks.
func (h *History) Truncate(ctx context.Context, sorted []*appsv1.ControllerRevision, live map[string]bool, limit int) error {
	var errs []error
	for _, r := range Surplus(sorted, live, limit) {
		if err := h.Delete(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
