package endpointslice

import (
	"context"
	"errors"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/endpoints"
)

// errStale makes the queue retry a Service whose slices the informer has not caught
// up with yet.
var errStale = errors.New("EndpointSlice informer cache is out of date")

// sync brings the slices of the Service named by key in line with its pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The garbage collector deletes the slices through their ownerReference.
		c.tracker.Forget(key)
		c.triggers.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if svc.Spec.Selector == nil || svc.DeletionTimestamp != nil {
		return nil
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ControllerName}))
	if err != nil {
		return err
	}
	if c.tracker.Stale(key, existing) {
		return errStale
	}
	groups := Desired(svc, pods, c.zoneOf)
	trigger := c.triggers.Compute(key, svc, pods)
	p := MakePlan(existing, groups, PlanConfig{
		Max:         c.max,
		Placeholder: &Group{AddressType: AddressTypes(svc)[0]},
		New:         func(g *Group) *discoveryv1.EndpointSlice { return newSlice(svc, g) },
		Meta:        func(s *discoveryv1.EndpointSlice) bool { return setMeta(svc, s) },
	})
	return c.apply(ctx, key, p, trigger)
}

// apply makes the plan's writes, each slice stamped with the trigger time.
func (c *Controller) apply(ctx context.Context, key string, p Plan, trigger time.Time) error {
	return p.Apply(ctx, c.client, c.tracker, key, "slice", func(s *discoveryv1.EndpointSlice) {
		if trigger.IsZero() {
			return
		}
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	})
}

func (c *Controller) zoneOf(node string) string {
	n, err := c.nodes.Get(node)
	if err != nil {
		return ""
	}
	return n.Labels[corev1.LabelTopologyZone]
}

// newSlice is an empty slice of g's shape for svc.
func newSlice(svc *corev1.Service, g *Group) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: svc.Name + "-",
			Namespace:    svc.Namespace,
		},
		AddressType: g.AddressType,
		Ports:       g.Ports,
	}
	setMeta(svc, s)
	return s
}

// wantLabels are the labels svc's slices carry: the Service's own, but for the ones
// this controller sets.
func wantLabels(svc *corev1.Service) map[string]string {
	l := make(map[string]string, len(svc.Labels)+3)
	maps.Copy(l, svc.Labels)
	delete(l, endpoints.LabelHeadless)
	l[discoveryv1.LabelServiceName] = svc.Name
	l[discoveryv1.LabelManagedBy] = ControllerName
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[endpoints.LabelHeadless] = ""
	}
	return l
}

// setMeta sets s's labels and owner for svc and reports whether they changed.
func setMeta(svc *corev1.Service, s *discoveryv1.EndpointSlice) bool {
	changed := false
	if l := wantLabels(svc); !maps.Equal(l, s.Labels) {
		s.Labels = l
		changed = true
	}
	owner := []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))}
	if !apiequality.Semantic.DeepEqual(owner, s.OwnerReferences) {
		s.OwnerReferences = owner
		changed = true
	}
	return changed
}
