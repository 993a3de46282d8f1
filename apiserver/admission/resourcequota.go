package admission

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"kite/quota"
)

// chargeAttempts is how often a charge is tried again when another writer changed the
// quota first.
const chargeAttempts = 8

// QuotaStore is what quota admission reads and charges: the ResourceQuotas of a
// namespace (fresh, when asked), and their status written with compare-and-swap on the
// resourceVersion (a 409 Conflict when the quota changed).
type QuotaStore interface {
	List(ctx context.Context, namespace string, fresh bool) ([]corev1.ResourceQuota, error)
	UpdateStatus(ctx context.Context, q *corev1.ResourceQuota) error
}

// ResourceQuota is upstream's ResourceQuota admission plugin for creates of gr: an
// object that would take a quota of its namespace over status.hard is refused (403
// "exceeded quota: …"); otherwise every quota that measures it is charged at once, in
// status.used, so that concurrent creates cannot all pass. The controller recounts
// status.used from what is stored, which returns charges of creates that failed later.
// A quota the controller has not counted yet (no status.used for a name it limits)
// refuses what it would measure, as upstream: its status is unknown.
func ResourceQuota(quotas QuotaStore, gr schema.GroupResource, clk clock.PassiveClock) func(context.Context, runtime.Object) error {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return func(ctx context.Context, obj runtime.Object) error {
		acc, err := meta.Accessor(obj)
		if err != nil || acc.GetNamespace() == "" {
			return nil
		}
		// Most namespaces have no quota: then the object's usage is not worth computing.
		// A failed read matters only for an object that a quota could measure.
		all, listErr := quotas.List(ctx, acc.GetNamespace(), false)
		if listErr == nil && len(all) == 0 {
			return nil
		}
		delta, measures, inScope := quotaTerms(gr, obj, clk)
		if len(delta) == 0 {
			return nil
		}
		if listErr != nil {
			return listErr
		}
		refuse := func(err error) error { return apierrors.NewForbidden(gr, acc.GetName(), err) }
		slices.SortFunc(all, func(a, b corev1.ResourceQuota) int { return strings.Compare(a.Name, b.Name) })
		// Check every quota before charging any, so a refusal charges nothing.
		var charge []corev1.ResourceQuota
		for i := range all {
			q := &all[i]
			newUsed, err := admit(q, obj, delta, measures, inScope)
			if err != nil {
				return refuse(err)
			}
			if newUsed != nil {
				charge = append(charge, *q)
			}
		}
		for _, q := range charge {
			if err := chargeOne(ctx, quotas, q, obj, delta, measures, inScope, refuse); err != nil {
				return err
			}
		}
		return nil
	}
}

// chargeOne adds delta to q's status.used, reading q again and checking once more
// whenever another writer got there first. A refusal comes through refuse.
func chargeOne(ctx context.Context, quotas QuotaStore, q corev1.ResourceQuota, obj runtime.Object, delta corev1.ResourceList,
	measures func(corev1.ResourceName) bool, inScope func([]corev1.ScopedResourceSelectorRequirement) bool, refuse func(error) error) error {
	for attempt := 1; ; attempt++ {
		newUsed, err := admit(&q, obj, delta, measures, inScope)
		if err != nil {
			return refuse(err)
		}
		if newUsed == nil {
			return nil
		}
		cp := q.DeepCopy()
		cp.Status.Used = newUsed
		err = quotas.UpdateStatus(ctx, cp)
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) || attempt == chargeAttempts {
			return err
		}
		fresh, err := quotas.List(ctx, q.Namespace, true)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(fresh, func(f corev1.ResourceQuota) bool { return f.Name == q.Name && f.UID == q.UID })
		if i < 0 {
			return nil
		}
		q = fresh[i]
	}
}

// admit checks obj, which uses delta, against q. It returns q's used with delta added
// (nil when q does not measure obj) or why q refuses obj.
func admit(q *corev1.ResourceQuota, obj runtime.Object, delta corev1.ResourceList,
	measures func(corev1.ResourceName) bool, inScope func([]corev1.ScopedResourceSelectorRequirement) bool) (corev1.ResourceList, error) {
	// Admission goes by status.hard: a new limit applies once the controller has
	// counted for it.
	var limited []corev1.ResourceName
	for name := range q.Status.Hard {
		if measures(name) {
			limited = append(limited, name)
		}
	}
	if len(limited) == 0 || !inScope(quota.Scopes(q)) {
		return nil, nil
	}
	slices.Sort(limited)
	if pod, ok := obj.(*corev1.Pod); ok {
		if missing := unspecified(pod, limited); len(missing) > 0 {
			return nil, fmt.Errorf("failed quota: %s: must specify %s", q.Name, strings.Join(missing, ","))
		}
	}
	var unknown []string
	for _, name := range limited {
		if _, ok := q.Status.Used[name]; !ok {
			unknown = append(unknown, string(name))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("status unknown for quota: %s, resources: %s", q.Name, strings.Join(unknown, ","))
	}
	newUsed := q.Status.Used.DeepCopy()
	var requested []corev1.ResourceName
	for _, name := range limited {
		d, ok := delta[name]
		if !ok {
			continue
		}
		requested = append(requested, name)
		sum := newUsed[name]
		sum.Add(d)
		newUsed[name] = sum
	}
	if len(requested) == 0 {
		return nil, nil
	}
	var exceeded []corev1.ResourceName
	for _, name := range requested {
		if u := newUsed[name]; u.Cmp(q.Status.Hard[name]) > 0 {
			exceeded = append(exceeded, name)
		}
	}
	if len(exceeded) > 0 {
		return nil, fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s", q.Name,
			listed(delta, exceeded), listed(q.Status.Used, exceeded), listed(q.Status.Hard, exceeded))
	}
	return newUsed, nil
}

// listed prints names' quantities in l as upstream's messages do: name=quantity,…
func listed(l corev1.ResourceList, names []corev1.ResourceName) string {
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q := l[name]
		parts = append(parts, fmt.Sprintf("%s=%s", name, q.String()))
	}
	return strings.Join(parts, ",")
}

// quotaTerms says what an object of gr uses (delta), which quota names measure its
// kind, and whether a quota's quota.Scopes select it.
func quotaTerms(gr schema.GroupResource, obj runtime.Object, clk clock.PassiveClock) (
	delta corev1.ResourceList, measures func(corev1.ResourceName) bool, inScope func([]corev1.ScopedResourceSelectorRequirement) bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return quota.PodUsage(o, clk.Now()), quota.IsPodResource, func(t []corev1.ScopedResourceSelectorRequirement) bool { return quota.PodInScopes(o, t) }
	case *corev1.Service:
		return quota.ServiceUsage(o), quota.IsServiceResource, unscoped
	case *corev1.PersistentVolumeClaim:
		return quota.ClaimUsage(o), quota.IsClaimResource, func(t []corev1.ScopedResourceSelectorRequirement) bool { return quota.ClaimInScopes(o, t) }
	}
	delta = quota.CountUsage(gr)
	return delta, func(name corev1.ResourceName) bool { _, ok := delta[name]; return ok }, unscoped
}

// unscoped objects are selected only by quotas without scopes: the quota.Scopes are pods'
// and claims'.
func unscoped(t []corev1.ScopedResourceSelectorRequirement) bool { return len(t) == 0 }

// quotaValidated are the names for which every container must state its request or
// limit, a rule upstream keeps for compatibility.
var quotaValidated = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory,
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory}

// unspecified returns the names among limited that some container of pod leaves out.
func unspecified(pod *corev1.Pod, limited []corev1.ResourceName) []string {
	var missing []string
	for _, name := range limited {
		if !slices.Contains(quotaValidated, name) {
			continue
		}
		for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
			for i := range cs {
				if !containerStates(&cs[i], name) && !slices.Contains(missing, string(name)) {
					missing = append(missing, string(name))
				}
			}
		}
	}
	return missing
}

// containerStates reports whether c states name: cpu and memory are requests.
func containerStates(c *corev1.Container, name corev1.ResourceName) bool {
	side, res := c.Resources.Requests, name
	switch name {
	case corev1.ResourceRequestsCPU:
		res = corev1.ResourceCPU
	case corev1.ResourceRequestsMemory:
		res = corev1.ResourceMemory
	case corev1.ResourceLimitsCPU:
		side, res = c.Resources.Limits, corev1.ResourceCPU
	case corev1.ResourceLimitsMemory:
		side, res = c.Resources.Limits, corev1.ResourceMemory
	}
	_, ok := side[res]
	return ok
}
