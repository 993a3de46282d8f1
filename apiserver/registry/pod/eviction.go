package pod

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// DisruptionBudgets is what an eviction needs to know of PodDisruptionBudgets: the ones
// of a namespace, and a way to record that one disruption was used.
type DisruptionBudgets interface {
	// List returns the PodDisruptionBudgets of namespace.
	List(ctx context.Context, namespace string) ([]policyv1.PodDisruptionBudget, error)
	// UpdateStatus writes pdb's status; it fails with a 409 Conflict when pdb is not at
	// its stored resourceVersion any more.
	UpdateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error
}

// EvictionConfig configures pods/eviction.
type EvictionConfig struct {
	// Store keeps the pods. Required.
	Store *registry.Store
	// Budgets, when set, are the PodDisruptionBudgets evictions honour; nil means none
	// exist (a server without the resource).
	Budgets DisruptionBudgets
	// Clock stamps the budgets' disrupted pods (default: the real clock).
	Clock clock.PassiveClock
}

// evictionAttempts bounds the retries of an eviction that lost a race on its budget.
const evictionAttempts = 5

// maxDisruptedPods is upstream's bound on evictions a budget's controller has not
// confirmed yet.
const maxDisruptedPods = 2000

// EvictionAction serves pods/eviction: a policy/v1 (or v1beta1) Eviction deletes the
// pod with the body's DeleteOptions unless a PodDisruptionBudget forbids it (429), as
// upstream. Pods that are not running yet or any more (Pending, Succeeded, Failed) and
// pods already being deleted are deleted without asking their budget. Before the
// delete, the pod gets the status condition DisruptionTarget=True (reason
// EvictionByEvictionAPI), which Jobs' pod failure policies match on. The caller
// admits the eviction (a CREATE of pods/eviction with the Eviction); the pod's status
// update and delete that follow are not admitted again (registry.Store.Admitted).
func EvictionAction(cfg EvictionConfig) (*registry.Action, error) {
	if cfg.Store == nil {
		return nil, errors.New("pod: EvictionConfig.Store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	e := &evictor{cfg: cfg}
	a := &registry.Action{
		Resource:    cfg.Store.Resource(),
		Subresource: "eviction",
		Kind:        policyv1.SchemeGroupVersion.WithKind("Eviction"),
		Accepts:     []schema.GroupVersionKind{policyv1beta1.SchemeGroupVersion.WithKind("Eviction")},
		New:         func() runtime.Object { return &policyv1.Eviction{} },
		Create:      e.create,
	}
	return a, a.Check()
}

type evictor struct{ cfg EvictionConfig }

func (e *evictor) create(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
	var evName string
	var delOpts *metav1.DeleteOptions
	switch ev := obj.(type) {
	case *policyv1.Eviction:
		evName, delOpts = ev.Name, ev.DeleteOptions
	case *policyv1beta1.Eviction:
		evName, delOpts = ev.Name, ev.DeleteOptions
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an Eviction object: %T", obj))
	}
	if evName != name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	if delOpts == nil {
		delOpts = &metav1.DeleteOptions{}
	}
	delOpts = delOpts.DeepCopy()
	if errs := validation.ValidateDeleteOptions(delOpts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: "policy", Kind: "Eviction"}, name, errs)
	}
	if len(opts.DryRun) > 0 {
		delOpts.DryRun = opts.DryRun
	}
	store := e.cfg.Store
	userRV := delOpts.Preconditions != nil && delOpts.Preconditions.ResourceVersion != nil
	for attempt := 1; ; attempt++ {
		got, err := store.Get(ctx, namespace, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		pod := got.(*corev1.Pod)
		err = e.evict(ctx, pod, *delOpts, userRV)
		if apierrors.IsConflict(err) && !userRV && attempt < evictionAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &metav1.Status{Status: metav1.StatusSuccess}, nil
	}
}

// evict deletes pod if its budget allows it. Unless the client named a resourceVersion,
// the delete is conditional on the pod's, so a pod that changed since the budget was
// checked is checked again.
func (e *evictor) evict(ctx context.Context, pod *corev1.Pod, opts metav1.DeleteOptions, userRV bool) error {
	// The preconditions are the caller's, shared across attempts: change a copy.
	opts.Preconditions = opts.Preconditions.DeepCopy()
	if !userRV && pod.DeletionTimestamp == nil && !terminalOrPending(pod) {
		if opts.Preconditions == nil {
			opts.Preconditions = &metav1.Preconditions{}
		}
		rv := pod.ResourceVersion
		opts.Preconditions.ResourceVersion = &rv
	}
	if !terminalOrPending(pod) && pod.DeletionTimestamp == nil {
		if err := e.takeDisruption(ctx, pod, len(opts.DryRun) > 0); err != nil {
			return err
		}
	}
	// The eviction was admitted as a CREATE of pods/eviction; the pod's status update
	// and delete it turns into are not admitted again, as upstream's eviction writes
	// the pod through its storage, not through the API.
	admitted := e.cfg.Store.Admitted(ctx, pod.Namespace, pod.Name)
	if len(opts.DryRun) == 0 {
		rv, err := e.markDisruptionTarget(admitted, pod.Namespace, pod.Name, opts.Preconditions)
		if err != nil {
			return err
		}
		if opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil {
			// The pod is at the version this eviction wrote itself.
			opts.Preconditions.ResourceVersion = &rv
		}
	}
	_, _, err := e.cfg.Store.Delete(admitted, pod.Namespace, pod.Name, opts)
	return err
}

// terminalOrPending pods cause no disruption by going: their budget is not asked.
func terminalOrPending(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return false
}

// takeDisruption checks the pod's budget and uses one of its allowed disruptions.
func (e *evictor) takeDisruption(ctx context.Context, pod *corev1.Pod, dryRun bool) error {
	if e.cfg.Budgets == nil {
		return nil
	}
	all, err := e.cfg.Budgets.List(ctx, pod.Namespace)
	if err != nil {
		return err
	}
	var matching []policyv1.PodDisruptionBudget
	for _, pdb := range all {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		// A budget with no selector, or an empty one, covers no pod.
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		matching = append(matching, pdb)
	}
	switch len(matching) {
	case 0:
		return nil
	case 1:
	default:
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
			Reason:  metav1.StatusReasonInternalError,
			Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."}}
	}
	pdb := &matching[0]
	if !podReady(pod) && pdb.Spec.UnhealthyPodEvictionPolicy != nil && *pdb.Spec.UnhealthyPodEvictionPolicy == policyv1.AlwaysAllow {
		return nil
	}
	if pdb.Status.ObservedGeneration < pdb.Generation {
		return budgetForbids(fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name), 10)
	}
	if pdb.Status.DisruptionsAllowed < 0 {
		return apierrors.NewForbidden(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}, pdb.Name, errors.New("pdb disruptions allowed is negative"))
	}
	if len(pdb.Status.DisruptedPods) > maxDisruptedPods {
		return apierrors.NewForbidden(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}, pdb.Name,
			errors.New("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	}
	if pdb.Status.DisruptionsAllowed == 0 {
		return budgetForbids(fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently",
			pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy), 0)
	}
	pdb.Status.DisruptionsAllowed--
	if pdb.Status.DisruptionsAllowed == 0 {
		meta.SetStatusCondition(&pdb.Status.Conditions, metav1.Condition{
			Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: policyv1.InsufficientPodsReason,
			ObservedGeneration: pdb.Status.ObservedGeneration,
		})
	}
	if dryRun {
		return nil
	}
	if pdb.Status.DisruptedPods == nil {
		pdb.Status.DisruptedPods = map[string]metav1.Time{}
	}
	// The budget's controller counts the pod as gone from now on, until it sees it go or
	// gives up waiting.
	pdb.Status.DisruptedPods[pod.Name] = metav1.NewTime(e.cfg.Clock.Now())
	return e.cfg.Budgets.UpdateStatus(ctx, pdb)
}

// budgetForbids is upstream's 429 for an eviction its budget does not allow now.
func budgetForbids(cause string, retryAfter int) error {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", retryAfter)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes,
		metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: cause})
	return err
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
