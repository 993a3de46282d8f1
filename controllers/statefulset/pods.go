package statefulset

import (
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
)

// podControl is what a sync does to pods and their claims. The update logic calls it
// and nothing else, so its ordering decisions are tested with a recording fake.
type podControl interface {
	// createPod creates pod's missing claims, then pod.
	createPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error
	// updatePod fixes pod's identity, storage and its claims' owners.
	updatePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error
	deletePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error
	// createMissingClaims creates the claims of a pending pod that lost them.
	createMissingClaims(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error
	// claimsMatchPolicy and fixClaimOwners check and set the claims' owners under
	// the retention policy.
	claimsMatchPolicy(set *appsv1.StatefulSet, pod *corev1.Pod) (bool, error)
	fixClaimOwners(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error
	// claimIsStale: one of pod's claims still belongs to an earlier pod of its name,
	// and must go (through the garbage collector) before the pod is made again.
	claimIsStale(set *appsv1.StatefulSet, pod *corev1.Pod) (bool, error)
}

// apiPodControl is podControl through the API, recording upstream's events.
type apiPodControl struct {
	client   kubernetes.Interface
	pods     corelisters.PodLister
	claims   corelisters.PersistentVolumeClaimLister
	recorder record.EventRecorder
}

func (a *apiPodControl) createPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	if err := a.createClaims(ctx, set, pod); err != nil {
		a.podEvent("create", set, pod, err)
		return err
	}
	_, err := a.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// Our cache is behind: the next sync sees it.
		return err
	}
	if err == nil {
		// The pod has no uid here, so only the set's references can be set now; the
		// next sync completes them.
		if err := a.fixClaimOwners(ctx, set, pod); err != nil {
			a.podEvent("update", set, pod, err)
			return err
		}
	}
	a.podEvent("create", set, pod, err)
	return err
}

func (a *apiPodControl) updatePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	attempted := false
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		consistent := true
		if !identityMatches(set, pod) {
			updateIdentity(set, pod)
			consistent = false
		}
		if !storageMatches(set, pod) {
			updateStorage(set, pod)
			consistent = false
			if err := a.createClaims(ctx, set, pod); err != nil {
				a.podEvent("update", set, pod, err)
				return err
			}
		}
		match, err := a.claimsMatchPolicy(set, pod)
		if err != nil {
			a.podEvent("update", set, pod, err)
			return err
		}
		if !match {
			if err := a.fixClaimOwners(ctx, set, pod); err != nil {
				a.podEvent("update", set, pod, err)
				return err
			}
			consistent = false
		}
		if consistent {
			return nil
		}
		attempted = true
		_, err = a.client.CoreV1().Pods(set.Namespace).Update(ctx, pod, metav1.UpdateOptions{})
		if err != nil && apierrors.IsConflict(err) {
			if fresh, getErr := a.pods.Pods(set.Namespace).Get(pod.Name); getErr == nil {
				*pod = *fresh.DeepCopy()
			}
		}
		return err
	})
	if attempted {
		a.podEvent("update", set, pod, err)
	}
	return err
}

func (a *apiPodControl) deletePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	err := a.client.CoreV1().Pods(set.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	a.podEvent("delete", set, pod, err)
	return err
}

func (a *apiPodControl) createMissingClaims(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	return a.createClaims(ctx, set, pod)
}

// createClaims creates those of pod's claims that do not exist. A claim being deleted
// is an error: the pod must wait for it to go and be made anew.
func (a *apiPodControl) createClaims(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	var errs []error
	for _, claim := range claimsFor(set, pod) {
		existing, err := a.claims.PersistentVolumeClaims(claim.Namespace).Get(claim.Name)
		switch {
		case apierrors.IsNotFound(err):
			_, err := a.client.CoreV1().PersistentVolumeClaims(claim.Namespace).Create(ctx, claim, metav1.CreateOptions{})
			if err != nil {
				errs = append(errs, fmt.Errorf("failed to create PVC %s: %w", claim.Name, err))
			}
			if err == nil || !apierrors.IsAlreadyExists(err) {
				a.claimEvent("create", set, pod, claim, err)
			}
		case err != nil:
			errs = append(errs, fmt.Errorf("failed to retrieve PVC %s: %w", claim.Name, err))
			a.claimEvent("create", set, pod, claim, err)
		case existing.DeletionTimestamp != nil:
			errs = append(errs, fmt.Errorf("pvc %s is being deleted", claim.Name))
		}
	}
	return errors.Join(errs...)
}

func (a *apiPodControl) claimsMatchPolicy(set *appsv1.StatefulSet, pod *corev1.Pod) (bool, error) {
	for _, want := range claimsFor(set, pod) {
		claim, err := a.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			// Created later; its owners are set then.
			continue
		case err != nil:
			return false, fmt.Errorf("could not retrieve claim %s for %s when checking PVC deletion policy: %w", want.Name, pod.Name, err)
		case !claimOwnersUpToDate(claim, set, pod):
			return false, nil
		}
	}
	return true, nil
}

func (a *apiPodControl) fixClaimOwners(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	for _, want := range claimsFor(set, pod) {
		claim, err := a.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return fmt.Errorf("could not retrieve claim %s for %s when checking PVC deletion policy: %w", want.Name, pod.Name, err)
		case claimOwnersUpToDate(claim, set, pod):
			continue
		}
		cp := claim.DeepCopy()
		setClaimOwners(cp, set, pod)
		if _, err := a.client.CoreV1().PersistentVolumeClaims(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("could not update claim %s for delete policy ownerRefs: %w", cp.Name, err)
		}
	}
	return nil
}

func (a *apiPodControl) claimIsStale(set *appsv1.StatefulSet, pod *corev1.Pod) (bool, error) {
	if retentionPolicy(set).WhenScaled == appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		// Claims are meant to outlive their pods.
		return false, nil
	}
	for _, want := range claimsFor(set, pod) {
		claim, err := a.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return false, err
		case hasStaleOwnerRef(claim, pod, podKind):
			return true, nil
		}
	}
	return false, nil
}

// podEvent records upstream's event for verb on pod: "create Pod web-0 in
// StatefulSet web successful" (SuccessfulCreate), or the failure (FailedCreate).
func (a *apiPodControl) podEvent(verb string, set *appsv1.StatefulSet, pod *corev1.Pod, err error) {
	if err == nil {
		a.recorder.Event(set, corev1.EventTypeNormal, "Successful"+title(verb),
			fmt.Sprintf("%s Pod %s in StatefulSet %s successful", verb, pod.Name, set.Name))
		return
	}
	a.recorder.Event(set, corev1.EventTypeWarning, "Failed"+title(verb),
		fmt.Sprintf("%s Pod %s in StatefulSet %s failed error: %s", verb, pod.Name, set.Name, err))
}

// claimEvent records upstream's event for verb on one of pod's claims.
func (a *apiPodControl) claimEvent(verb string, set *appsv1.StatefulSet, pod *corev1.Pod, claim *corev1.PersistentVolumeClaim, err error) {
	if err == nil {
		a.recorder.Event(set, corev1.EventTypeNormal, "Successful"+title(verb),
			fmt.Sprintf("%s Claim %s Pod %s in StatefulSet %s success", verb, claim.Name, pod.Name, set.Name))
		return
	}
	a.recorder.Event(set, corev1.EventTypeWarning, "Failed"+title(verb),
		fmt.Sprintf("%s Claim %s for Pod %s in StatefulSet %s failed error: %s", verb, claim.Name, pod.Name, set.Name, err))
}

func title(verb string) string {
	if verb == "" {
		return ""
	}
	return strings.ToUpper(verb[:1]) + verb[1:]
}
