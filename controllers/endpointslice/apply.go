package endpointslice

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Apply makes p's writes for owner key: creates first, then updates, then deletes, so
// a consumer never sees fewer endpoints than there are in between. Each write is
// recorded in tracker; stamp, when not nil, marks a slice before it is written. noun
// names the slices in errors ("slice", "mirrored slice"). A namespace being deleted
// ends the creates quietly.
func (p Plan) Apply(ctx context.Context, client kubernetes.Interface, tracker *Tracker, key, noun string, stamp func(*discoveryv1.EndpointSlice)) error {
	if stamp == nil {
		stamp = func(*discoveryv1.EndpointSlice) {}
	}
	slices := client.DiscoveryV1()
	var errs []error
	for _, s := range p.Create {
		stamp(s)
		got, err := slices.EndpointSlices(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("creating %s for %s: %w", noun, key, err))
			continue
		}
		tracker.Wrote(key, got)
	}
	for _, s := range p.Update {
		stamp(s)
		got, err := slices.EndpointSlices(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("updating %s %s: %w", noun, s.Name, err))
			continue
		}
		tracker.Wrote(key, got)
	}
	for _, s := range p.Delete {
		err := slices.EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &s.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", noun, s.Name, err))
			continue
		}
		tracker.Deleted(key, s)
	}
	return errors.Join(errs...)
}
