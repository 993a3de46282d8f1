package endpointslicemirroring

import (
	"context"
	"errors"
	"maps"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/endpointslice"
)

var errStale = errors.New("EndpointSlice informer cache is out of date")

// sync mirrors the Endpoints named by key, or deletes its mirrored slices when it is
// not to be mirrored (any more).
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ControllerName}))
	if err != nil {
		return err
	}
	if c.tracker.Stale(key, existing) {
		return errStale
	}
	ep, mirror, err := c.mirrored(ns, name)
	if err != nil {
		return err
	}
	if !mirror {
		err := c.apply(ctx, key, endpointslice.Plan{Delete: existing})
		if err == nil && len(existing) == 0 {
			c.tracker.Forget(key)
		}
		return err
	}
	p := endpointslice.MakePlan(existing, Groups(ep), endpointslice.PlanConfig{
		Max:  maxPerSubset,
		New:  func(g *endpointslice.Group) *discoveryv1.EndpointSlice { return newSlice(ep, g) },
		Meta: func(s *discoveryv1.EndpointSlice) bool { return setMeta(ep, s) },
	})
	return c.apply(ctx, key, p)
}

// mirrored returns the Endpoints name when it is to be mirrored.
func (c *Controller) mirrored(ns, name string) (*corev1.Endpoints, bool, error) {
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if svc.Spec.Selector != nil {
		return nil, false, nil
	}
	ep, err := c.eps.Endpoints(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return ep, shouldMirror(ep), nil
}

func (c *Controller) apply(ctx context.Context, key string, p endpointslice.Plan) error {
	return p.Apply(ctx, c.client, c.tracker, key, "mirrored slice", nil)
}

func newSlice(ep *corev1.Endpoints, g *endpointslice.Group) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{GenerateName: ep.Name + "-", Namespace: ep.Namespace},
		AddressType: g.AddressType,
		Ports:       g.Ports,
	}
	setMeta(ep, s)
	return s
}

// setMeta gives s the labels, annotations and owner mirrored from ep and reports
// whether they changed.
func setMeta(ep *corev1.Endpoints, s *discoveryv1.EndpointSlice) bool {
	changed := false
	l := make(map[string]string, len(ep.Labels)+2)
	maps.Copy(l, ep.Labels)
	l[discoveryv1.LabelServiceName] = ep.Name
	l[discoveryv1.LabelManagedBy] = ControllerName
	if !maps.Equal(l, s.Labels) {
		s.Labels = l
		changed = true
	}
	a := make(map[string]string, len(ep.Annotations))
	maps.Copy(a, ep.Annotations)
	delete(a, corev1.EndpointsLastChangeTriggerTime)
	delete(a, corev1.LastAppliedConfigAnnotation)
	if !maps.Equal(a, s.Annotations) {
		s.Annotations = a
		changed = true
	}
	owner := []metav1.OwnerReference{*metav1.NewControllerRef(ep, corev1.SchemeGroupVersion.WithKind("Endpoints"))}
	if !apiequality.Semantic.DeepEqual(owner, s.OwnerReferences) {
		s.OwnerReferences = owner
		changed = true
	}
	return changed
}
