package resourcequota

import (
	"context"
	"errors"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kite/quota"
)

// sync recomputes the quota key's status: hard copied from spec, used counted afresh
// for every name in hard.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	q, err := c.quotas.ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	used, err := c.usage(ctx, q)
	if err != nil {
		return err
	}
	status := corev1.ResourceQuotaStatus{Hard: q.Spec.Hard.DeepCopy(), Used: used}
	if apiequality.Semantic.DeepEqual(q.Status, status) {
		return nil
	}
	cp := q.DeepCopy()
	cp.Status = status
	// The resourceVersion makes this a compare-and-swap: a charge admission made since
	// the lister's copy is a conflict, and the retry counts it.
	_, err = c.client.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// listers is what usage reads: the objects of a namespace, and the number of objects of
// a counted resource.
type listers struct {
	pods     func(namespace string) ([]*corev1.Pod, error)
	services func(namespace string) ([]*corev1.Service, error)
	claims   func(namespace string) ([]*corev1.PersistentVolumeClaim, error)
	count    func(ctx context.Context, name corev1.ResourceName, namespace string) (int64, error)
}

func (c *Controller) usage(ctx context.Context, q *corev1.ResourceQuota) (corev1.ResourceList, error) {
	return computeUsage(ctx, q, listers{
		pods:     func(ns string) ([]*corev1.Pod, error) { return c.pods.Pods(ns).List(labels.Everything()) },
		services: func(ns string) ([]*corev1.Service, error) { return c.services.Services(ns).List(labels.Everything()) },
		claims: func(ns string) ([]*corev1.PersistentVolumeClaim, error) {
			return c.claims.PersistentVolumeClaims(ns).List(labels.Everything())
		},
		count: func(ctx context.Context, name corev1.ResourceName, ns string) (int64, error) {
			gr, _ := quota.CountedResource(name)
			n, err := c.counts.count(ctx, gr, ns)
			if meta.IsNoMatchError(err) {
				// Not served (yet): there is nothing of it to count.
				return 0, nil
			}
			return n, err
		},
	}, c.clock.Now())
}

// computeUsage returns q's used: for every name in spec.hard, what the objects of q's
// namespace that q's quota.Scopes select use of it (0 when none does).
func computeUsage(ctx context.Context, q *corev1.ResourceQuota, l listers, now time.Time) (corev1.ResourceList, error) {
	terms := quota.Scopes(q)
	used := corev1.ResourceList{}
	var podNames, serviceNames, claimNames []corev1.ResourceName
	var errs []error
	for name := range q.Spec.Hard {
		used[name] = *resource.NewQuantity(0, resource.DecimalSI)
		switch {
		case quota.IsPodResource(name):
			podNames = append(podNames, name)
		case quota.IsServiceResource(name):
			serviceNames = append(serviceNames, name)
		case quota.IsClaimResource(name):
			claimNames = append(claimNames, name)
		default:
			if _, ok := quota.CountedResource(name); ok && len(terms) == 0 {
				n, err := l.count(ctx, name, q.Namespace)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				used[name] = *resource.NewQuantity(n, resource.DecimalSI)
			}
		}
	}
	if len(podNames) > 0 {
		pods, err := l.pods(q.Namespace)
		if err != nil {
			return nil, err
		}
		for _, p := range pods {
			if quota.PodInScopes(p, terms) {
				addNames(used, quota.PodUsage(p, now), podNames)
			}
		}
	}
	if len(serviceNames) > 0 && len(terms) == 0 {
		svcs, err := l.services(q.Namespace)
		if err != nil {
			return nil, err
		}
		for _, s := range svcs {
			addNames(used, quota.ServiceUsage(s), serviceNames)
		}
	}
	if len(claimNames) > 0 {
		claims, err := l.claims(q.Namespace)
		if err != nil {
			return nil, err
		}
		for _, pvc := range claims {
			if quota.ClaimInScopes(pvc, terms) {
				addNames(used, quota.ClaimUsage(pvc), claimNames)
			}
		}
	}
	return used, errors.Join(errs...)
}

// addNames adds the quantities of names in u into used.
func addNames(used, u corev1.ResourceList, names []corev1.ResourceName) {
	for _, name := range names {
		if q, ok := u[name]; ok {
			sum := used[name]
			sum.Add(q)
			used[name] = sum
		}
	}
}
