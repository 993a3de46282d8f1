package namespace

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/clock"
)

// finalizerToken is the spec finalizer this controller owns.
const finalizerToken corev1.FinalizerName = corev1.FinalizerKubernetes

// finalizerEstimate is how long objects held by finalizers are expected to take, as
// upstream assumes.
const finalizerEstimate = 15 * time.Second

// remainingError says objects remain in the namespace and when to look again.
type remainingError struct {
	estimate time.Duration
}

func (e *remainingError) Error() string {
	return fmt.Sprintf("some content remains in the namespace, estimate %d seconds before it is removed", int64(e.estimate/time.Second))
}

// deleter empties namespaces. It is safe for concurrent use by the workers.
type deleter struct {
	client   kubernetes.Interface
	metadata metadata.Interface
	discover func() ([]*metav1.APIResourceList, error)
	clock    clock.PassiveClock

	// unsupported remembers the verbs a resource turned out not to serve (a 404 or 405
	// although discovery listed it), so they are not tried again.
	mu          sync.Mutex
	unsupported map[verbKey]bool
}

type verbKey struct {
	verb string
	gvr  schema.GroupVersionResource
}

func (d *deleter) supported(verb string, gvr schema.GroupVersionResource) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.unsupported[verbKey{verb, gvr}]
}

func (d *deleter) setUnsupported(verb string, gvr schema.GroupVersionResource) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.unsupported[verbKey{verb, gvr}] = true
}

// delete does one pass over the namespace name: it marks it Terminating, deletes its
// content, and finalizes it when nothing remains. It returns a *remainingError when
// content remains, any other error when a step failed, and nil when the namespace is
// done with (finalized, gone, or not being deleted).
func (d *deleter) delete(ctx context.Context, name string) error {
	ns, err := d.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	ns, err = d.markTerminating(ctx, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !slices.Contains(ns.Spec.Finalizers, finalizerToken) {
		return nil
	}
	estimate, err := d.deleteContent(ctx, ns)
	if err != nil {
		return err
	}
	if estimate > 0 {
		return &remainingError{estimate: estimate}
	}
	err = d.finalize(ctx, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// markTerminating sets status.phase to Terminating if the API server has not already.
func (d *deleter) markTerminating(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
	if ns.Status.Phase == corev1.NamespaceTerminating {
		return ns, nil
	}
	var out *corev1.Namespace
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := d.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != ns.UID {
			return apierrors.NewNotFound(corev1.Resource("namespaces"), ns.Name)
		}
		if cur.Status.Phase == corev1.NamespaceTerminating {
			out = cur
			return nil
		}
		cur.Status.Phase = corev1.NamespaceTerminating
		out, err = d.client.CoreV1().Namespaces().UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	return out, err
}

// finalize removes the controller's token from spec.finalizers through the finalize
// subresource, retrying on conflicts against the namespace's current state.
func (d *deleter) finalize(ctx context.Context, ns *corev1.Namespace) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := d.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != ns.UID {
			return apierrors.NewNotFound(corev1.Resource("namespaces"), ns.Name)
		}
		if !slices.Contains(cur.Spec.Finalizers, finalizerToken) {
			return nil
		}
		cur.Spec.Finalizers = slices.DeleteFunc(slices.Clone(cur.Spec.Finalizers),
			func(f corev1.FinalizerName) bool { return f == finalizerToken })
		_, err = d.client.CoreV1().Namespaces().Finalize(ctx, cur, metav1.UpdateOptions{})
		return err
	})
}

// deleteContent deletes every namespaced object in ns and returns how long to wait
// for what remains (zero when nothing does). It records what it found in the
// namespace's conditions.
func (d *deleter) deleteContent(ctx context.Context, ns *corev1.Namespace) (time.Duration, error) {
	var errs []error
	rep := &report{remaining: map[schema.GroupVersionResource]int{}, finalizers: map[string]int{}}

	lists, err := d.discover()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		// Without any resource list nothing can be deleted; try again later.
		rep.discoveryErr = err
		d.updateConditions(ctx, ns, rep)
		return 0, err
	}
	if err != nil {
		// Some groups failed: delete what was found, report the rest.
		rep.discoveryErr = err
		errs = append(errs, err)
	}
	deletable := discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete"}}, lists)
	gvrs, err := discovery.GroupVersionResources(deletable)
	if err != nil {
		rep.parseErr = err
		errs = append(errs, err)
	}
	// Verbs a resource does not list are not tried.
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			for _, verb := range []string{"list", "deletecollection"} {
				if !slices.Contains(r.Verbs, verb) {
					d.setUnsupported(verb, gv.WithResource(r.Name))
				}
			}
		}
	}

	var estimate time.Duration
	// Pods go first, and the rest only once they are gone, as upstream's ordered
	// namespace deletion: a pod's ConfigMaps, Secrets and NetworkPolicies outlive it.
	order := []map[schema.GroupVersionResource]struct{}{gvrs}
	if _, ok := gvrs[podsResource]; ok {
		rest := maps.Clone(gvrs)
		delete(rest, podsResource)
		order = []map[schema.GroupVersionResource]struct{}{{podsResource: {}}, rest}
	}
	for i, group := range order {
		if i > 0 && rep.remaining[podsResource] > 0 {
			break
		}
		estimate = max(estimate, d.deleteGroup(ctx, group, ns.Name, rep, &errs))
	}
	d.updateConditions(ctx, ns, rep)
	return estimate, errors.Join(errs...)
}

// podsResource is core/v1 pods, which ordered deletion removes before the rest.
var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// deleteGroup deletes the namespace's objects of the resources in group, adding what
// remains to rep and the errors to errs; it returns the longest wait estimated.
func (d *deleter) deleteGroup(ctx context.Context, group map[schema.GroupVersionResource]struct{}, namespace string, rep *report, errs *[]error) time.Duration {
	var estimate time.Duration
	for gvr := range group {
		left, err := d.deleteResource(ctx, gvr, namespace)
		if err != nil {
			*errs = append(*errs, err)
			rep.deleteErrs = append(rep.deleteErrs, err)
		}
		estimate = max(estimate, left.estimate)
		if left.count > 0 {
			rep.remaining[gvr] += left.count
		}
		for f, n := range left.finalizers {
			rep.finalizers[f] += n
		}
	}
	return estimate
}

// updateConditions writes the conditions rep implies when they differ from ns's.
// A failure is not an error of the pass: the next pass writes them again.
func (d *deleter) updateConditions(ctx context.Context, ns *corev1.Namespace, rep *report) {
	cur, err := d.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
	if err != nil || cur.UID != ns.UID {
		return
	}
	if applyConditions(&cur.Status, rep, metav1.NewTime(d.clock.Now())) {
		_, _ = d.client.CoreV1().Namespaces().UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	}
}

// leftover is what remains of one resource in a namespace after a deletion pass.
type leftover struct {
	estimate   time.Duration
	count      int
	finalizers map[string]int
}

// deleteResource deletes the objects of gvr in namespace and reports what is left.
func (d *deleter) deleteResource(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (leftover, error) {
	var left leftover
	if gvr.Group == "" && gvr.Resource == "pods" {
		est, err := d.podGracePeriod(ctx, namespace)
		if err != nil {
			return left, err
		}
		left.estimate = est
	}
	deleted, err := d.deleteCollection(ctx, gvr, namespace)
	if err != nil {
		return left, err
	}
	if !deleted {
		if err := d.deleteEach(ctx, gvr, namespace); err != nil {
			return left, err
		}
	}
	items, listed, err := d.list(ctx, gvr, namespace)
	if err != nil || !listed || len(items.Items) == 0 {
		return leftover{}, err
	}
	left.count = len(items.Items)
	left.finalizers = map[string]int{}
	for _, it := range items.Items {
		for _, f := range it.Finalizers {
			left.finalizers[f]++
		}
	}
	if left.estimate > 0 {
		return left, nil
	}
	if len(left.finalizers) > 0 {
		left.estimate = finalizerEstimate
		return left, nil
	}
	// Nothing holds them, yet they are there: something went wrong.
	left.estimate = 0
	return left, fmt.Errorf("unexpected items still remain in namespace: %s for gvr: %v", namespace, gvr)
}

var background = metav1.DeletePropagationBackground

// deleteCollection deletes every object of gvr in namespace in one request. It reports
// false when the resource does not serve deletecollection.
func (d *deleter) deleteCollection(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (bool, error) {
	if !d.supported("deletecollection", gvr) {
		return false, nil
	}
	err := d.metadata.Resource(gvr).Namespace(namespace).DeleteCollection(ctx,
		metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
		d.setUnsupported("deletecollection", gvr)
		return false, nil
	}
	return true, err
}

// list lists the objects of gvr in namespace. It reports false when the resource does
// not serve list.
func (d *deleter) list(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (*metav1.PartialObjectMetadataList, bool, error) {
	if !d.supported("list", gvr) {
		return nil, false, nil
	}
	items, err := d.metadata.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
		return items, true, nil
	case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
		d.setUnsupported("list", gvr)
		return nil, false, nil
	}
	return nil, true, err
}

// deleteEach deletes the objects of gvr in namespace one by one.
func (d *deleter) deleteEach(ctx context.Context, gvr schema.GroupVersionResource, namespace string) error {
	items, listed, err := d.list(ctx, gvr, namespace)
	if err != nil || !listed {
		return err
	}
	for _, it := range items.Items {
		err := d.metadata.Resource(gvr).Namespace(namespace).Delete(ctx, it.Name, metav1.DeleteOptions{PropagationPolicy: &background})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			return err
		}
	}
	return nil
}

// podGracePeriod estimates how long the pods of namespace still take to terminate:
// the longest grace period of a pod that has not finished, as upstream. It is not
// reduced by the time since the namespace was deleted: a pod past its grace period is
// still being stopped by its kubelet, and an estimate of 0 for it would make each pass
// a failure with growing back-off.
func (d *deleter) podGracePeriod(ctx context.Context, namespace string) (time.Duration, error) {
	pods, err := d.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	var longest int64
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
		if p.Spec.TerminationGracePeriodSeconds != nil {
			grace = *p.Spec.TerminationGracePeriodSeconds
		}
		if p.DeletionGracePeriodSeconds != nil {
			grace = *p.DeletionGracePeriodSeconds
		}
		longest = max(longest, grace)
	}
	return time.Duration(longest) * time.Second, nil
}
