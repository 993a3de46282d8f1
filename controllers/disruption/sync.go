package disruption

import (
	"context"
	"fmt"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// sync recomputes the budget key's status; when that fails the budget allows no
// disruption (condition reason SyncFailed) until a later sync succeeds.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, ok := strings.Cut(key, "/")
	if !ok {
		return nil
	}
	pdb, err := c.budgets.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	syncErr := c.trySync(ctx, pdb)
	if syncErr == nil {
		return nil
	}
	if apierrors.IsConflict(syncErr) {
		// The cache was behind the eviction that changed the budget: its event follows.
		return syncErr
	}
	st := pdb.Status.DeepCopy()
	st.DisruptionsAllowed = 0
	st.ObservedGeneration = pdb.Generation
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition,
		Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason, Message: syncErr.Error(), ObservedGeneration: pdb.Generation})
	if err := c.writeStatus(ctx, pdb, *st); err != nil {
		return err
	}
	return syncErr
}

func (c *Controller) trySync(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return err
	}
	pods, err := c.pods.Pods(pdb.Namespace).List(sel)
	if err != nil {
		return err
	}
	expected, desiredHealthy, err := desired(pdb.Spec, int32(len(pods)), func() (int32, error) { return c.scaleOf(ctx, pdb, pods) })
	if err != nil {
		return err
	}
	now := c.clock.Now()
	disrupted, recheck := stillDisrupted(pods, pdb.Status.DisruptedPods, now)
	cnt := counts{expected: expected, desiredHealthy: desiredHealthy, currentHealthy: healthy(pods, disrupted, now)}
	st := pdb.Status.DeepCopy()
	st.ExpectedPods = cnt.expected
	st.DesiredHealthy = cnt.desiredHealthy
	st.CurrentHealthy = cnt.currentHealthy
	st.DisruptionsAllowed = cnt.allowed()
	st.DisruptedPods = disrupted
	st.ObservedGeneration = pdb.Generation
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
		Reason: policyv1.InsufficientPodsReason, ObservedGeneration: pdb.Generation}
	if st.DisruptionsAllowed > 0 {
		cond.Status, cond.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	meta.SetStatusCondition(&st.Conditions, cond)
	if err := c.writeStatus(ctx, pdb, *st); err != nil {
		return err
	}
	if recheck != nil {
		c.queue.AddAfter(keyOf(pdb.Namespace, pdb.Name), recheck.Sub(now))
	}
	return nil
}

// writeStatus writes st unless pdb has it already. The resourceVersion makes it a
// compare-and-swap against evictions, which write the same status.
func (c *Controller) writeStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget, st policyv1.PodDisruptionBudgetStatus) error {
	if len(st.DisruptedPods) == 0 && len(pdb.Status.DisruptedPods) == 0 {
		st.DisruptedPods = pdb.Status.DisruptedPods
	}
	if apiequality.Semantic.DeepEqual(pdb.Status, st) {
		return nil
	}
	cp := pdb.DeepCopy()
	cp.Status = st
	_, err := c.client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// scaleOf sums the scale (spec.replicas, read through the scale subresource) of the
// controllers of pods: a ReplicaSet's Deployment when it has one, else the
// ReplicaSet, a StatefulSet or a ReplicationController. Pods without a controller are
// reported (event UnmanagedPods) and left out; a controller of another kind fails the
// sync, as upstream.
func (c *Controller) scaleOf(ctx context.Context, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod) (int32, error) {
	// Keyed by the workload whose scale counts: the ReplicaSets of one Deployment
	// count once, as the Deployment.
	scales := map[types.UID]int32{}
	seen := map[types.UID]bool{}
	var unmanaged []string
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			unmanaged = append(unmanaged, p.Name)
			continue
		}
		if seen[ref.UID] {
			continue
		}
		seen[ref.UID] = true
		s, err := c.controllerScale(ctx, p.Namespace, *ref)
		if err != nil {
			return 0, err
		}
		scales[s.UID] = s.Spec.Replicas
	}
	if len(unmanaged) > 0 {
		c.recorder.Eventf(pdb, corev1.EventTypeWarning, "UnmanagedPods",
			"Pods selected by this PodDisruptionBudget (selector: %v) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.",
			pdb.Spec.Selector)
	}
	var sum int32
	for _, n := range scales {
		sum += n
	}
	return sum, nil
}

// controllerScale returns the scale of the workload behind ref.
func (c *Controller) controllerScale(ctx context.Context, ns string, ref metav1.OwnerReference) (*autoscalingv1.Scale, error) {
	apps := strings.HasPrefix(ref.APIVersion, "apps/")
	var s *autoscalingv1.Scale
	var err error
	switch {
	case apps && ref.Kind == "ReplicaSet":
		if rs, lerr := c.rsLister.ReplicaSets(ns).Get(ref.Name); lerr == nil && rs.UID == ref.UID {
			if d := metav1.GetControllerOf(rs); d != nil && d.Kind == "Deployment" && strings.HasPrefix(d.APIVersion, "apps/") {
				return c.controllerScale(ctx, ns, *d)
			}
		}
		s, err = c.client.AppsV1().ReplicaSets(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	case apps && ref.Kind == "Deployment":
		s, err = c.client.AppsV1().Deployments(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	case apps && ref.Kind == "StatefulSet":
		s, err = c.client.AppsV1().StatefulSets(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	case ref.APIVersion == "v1" && ref.Kind == "ReplicationController":
		s, err = c.client.CoreV1().ReplicationControllers(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
	default:
		return nil, fmt.Errorf("found no controllers for pods of %s %s", ref.Kind, ref.Name)
	}
	if err != nil {
		return nil, err
	}
	if s.UID != ref.UID {
		return nil, fmt.Errorf("%s %s was replaced: uid %s, pods name %s", ref.Kind, ref.Name, s.UID, ref.UID)
	}
	return s, nil
}
