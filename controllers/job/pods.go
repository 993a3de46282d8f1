package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"kite/controllers/claim"
)

// maxPodsPerSync caps the pods one sync creates or deletes, as upstream.
const maxPodsPerSync = 500

// noIndex is what completionIndex returns for a pod without a valid index.
const noIndex = -1

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// isActive: neither terminal nor being deleted.
func isActive(p *corev1.Pod) bool { return !isTerminal(p) && p.DeletionTimestamp == nil }

// isTerminating: being deleted but not terminal yet.
func isTerminating(p *corev1.Pod) bool { return !isTerminal(p) && p.DeletionTimestamp != nil }

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}

// completionIndex is the pod's index from its annotation (the label is only for
// selecting), or noIndex.
func completionIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return noIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return noIndex
	}
	return i
}

// finishTime is when a terminated pod finished: the latest container termination,
// else its deletion, else its creation.
func finishTime(p *corev1.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if !t.IsZero() {
		return t
	}
	if p.DeletionTimestamp != nil {
		return p.DeletionTimestamp.Time
	}
	return p.CreationTimestamp.Time
}

// claim returns the pods j controls after adopting the orphans it selects (adding the
// tracking finalizer) and releasing the ones it controls but no longer selects.
func (c *Controller) claim(ctx context.Context, j *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("job %s/%s: selector: %w", j.Namespace, j.Name, err)
	}
	all, err := c.podLister.Pods(j.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	return claim.Objects(ctx, claim.Config[*corev1.Pod]{
		Owner:    j,
		Match:    func(p *corev1.Pod) bool { return sel.Matches(labels.Set(p.Labels)) },
		CanAdopt: claim.Recheck(j, "Job", c.client.BatchV1().Jobs(j.Namespace).Get),
		Adopt: func(ctx context.Context, p *corev1.Pod) (*corev1.Pod, error) {
			// The adopted pod gets the tracking finalizer in the same write.
			patch, err := claim.AdoptPatch(*metav1.NewControllerRef(j, controllerKind), p.UID,
				map[string]any{"finalizers": []string{batchv1.JobTrackingFinalizer}})
			if err != nil {
				return nil, err
			}
			return c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		},
		Release: func(ctx context.Context, p *corev1.Pod) error {
			return c.patchPod(ctx, p, map[string]any{"ownerReferences": []map[string]any{{"$patch": "delete", "uid": j.UID}}})
		},
		// Its pods keep the tracking finalizer until the Job has counted them.
		KeepWhileDeleting: true,
	}, all)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings and API types are marshalled
	}
	return b
}

// patchPod applies a strategic merge patch of p's metadata, guarded by its uid.
func (c *Controller) patchPod(ctx context.Context, p *corev1.Pod, meta map[string]any) error {
	meta["uid"] = p.UID
	_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType,
		mustJSON(map[string]any{"metadata": meta}), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		// Gone, or replaced by a pod of the same name.
		return nil
	}
	return err
}

// removeFinalizers removes the tracking finalizer from pods, in parallel, and returns
// the uids it is gone from (including pods that are gone).
func (c *Controller) removeFinalizers(ctx context.Context, key string, pods []*corev1.Pod) (map[types.UID]bool, error) {
	done := map[types.UID]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(pods))
	for i, p := range pods {
		c.expect.expectFinalizerRemoved(key, string(p.UID))
		wg.Go(func() {
			err := c.patchPod(ctx, p, map[string]any{"$deleteFromPrimitiveList/finalizers": []string{batchv1.JobTrackingFinalizer}})
			if err != nil {
				c.expect.finalizerRemovalObserved(key, string(p.UID))
				errs[i] = fmt.Errorf("removing tracking finalizer of %s: %w", p.Name, err)
				return
			}
			mu.Lock()
			done[p.UID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	return done, errors.Join(errs...)
}

// deletePods deletes pods in parallel and returns how many (and how many ready) it
// deleted. The finalizers stay: the tracking step counts the pods, then removes them.
func (c *Controller) deletePods(ctx context.Context, j *batchv1.Job, key string, pods []*corev1.Pod) (deleted, deletedReady int32, err error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(pods))
	for i, p := range pods {
		c.expect.expectDeletion(key, p.Name)
		wg.Go(func() {
			err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			if err != nil && !apierrors.IsNotFound(err) {
				c.expect.deletionObserved(key, p.Name)
				c.recorder.Eventf(j, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				errs[i] = err
				return
			}
			if err == nil {
				c.recorder.Eventf(j, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
			}
			mu.Lock()
			deleted++
			if isReady(p) {
				deletedReady++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return deleted, deletedReady, errors.Join(errs...)
}

// newPod builds a pod from j's template; index is its completion index (noIndex for
// a NonIndexed job) and failures/ignored the index's failure counts so far.
func newPod(j *batchv1.Job, index, failures, ignored int) *corev1.Pod {
	t := j.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    j.Name + "-",
			Namespace:       j.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      append(slices.Clone(t.Finalizers), batchv1.JobTrackingFinalizer),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(j, controllerKind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if index == noIndex {
		return pod
	}
	ix := strconv.Itoa(index)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.GenerateName = j.Name + "-" + ix + "-"
	if len(pod.GenerateName) > 58 {
		// Names are at most 63 characters and generateName appends five.
		pod.GenerateName = pod.GenerateName[:58]
	}
	pod.Annotations[batchv1.JobCompletionIndexAnnotation] = ix
	pod.Labels[batchv1.JobCompletionIndexAnnotation] = ix
	if j.Spec.BackoffLimitPerIndex != nil {
		pod.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(failures)
		if ignored > 0 {
			pod.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] = strconv.Itoa(ignored)
		}
	}
	if pod.Spec.Hostname == "" {
		pod.Spec.Hostname = fmt.Sprintf("%s-%d", j.Name, index)
	}
	// The kubelet resolves the index into the environment through the downward API.
	env := corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
		FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation)}}}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if !slices.ContainsFunc(list[i].Env, func(e corev1.EnvVar) bool { return e.Name == env.Name }) {
				list[i].Env = append(list[i].Env, env)
			}
		}
	}
	return pod
}

// createPods creates the pods in slow-start batches (1, 2, 4, …), stopping after a
// batch with a failure so a quota or admission error costs few requests.
func (c *Controller) createPods(ctx context.Context, j *batchv1.Job, key string, pods []*corev1.Pod) (int32, error) {
	c.expect.expectCreations(key, len(pods))
	var created atomic.Int32
	next := 0
	for batch := 1; next < len(pods); batch *= 2 {
		batch = min(batch, len(pods)-next)
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for i := range batch {
			p := pods[next+i]
			wg.Go(func() {
				if errs[i] = c.createPod(ctx, j, key, p); errs[i] == nil {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		next += batch
		if err := errors.Join(errs...); err != nil {
			// The pods never tried will never be observed.
			for range len(pods) - next {
				c.expect.creationObserved(key)
			}
			return created.Load(), err
		}
	}
	return created.Load(), nil
}

func (c *Controller) createPod(ctx context.Context, j *batchv1.Job, key string, pod *corev1.Pod) error {
	created, err := c.client.CoreV1().Pods(j.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		c.expect.creationObserved(key)
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.recorder.Eventf(j, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(j, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}
