package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// failureVerdict is what a job's pod failure policy says about one failed pod.
type failureVerdict struct {
	// action is the matching rule's action, or "" when no rule matched (the pod
	// counts towards backoffLimit, as without a policy).
	action batchv1.PodFailurePolicyAction
	// failJob is the Failed condition's message when action is FailJob.
	failJob string
}

// counts reports whether the failed pod counts towards backoffLimit (and the index's
// backoffLimitPerIndex): every failure but an ignored one.
func (v failureVerdict) counts() bool { return v.action != batchv1.PodFailurePolicyActionIgnore }

// matchFailurePolicy applies policy's rules, in order, to a failed pod: the first rule
// whose exit codes or pod conditions match decides. A FailIndex rule is skipped when
// the job has no backoffLimitPerIndex (validation refuses that combination anyway).
func matchFailurePolicy(policy *batchv1.PodFailurePolicy, perIndex bool, pod *corev1.Pod) failureVerdict {
	if policy == nil {
		return failureVerdict{}
	}
	for i, rule := range policy.Rules {
		if rule.Action == batchv1.PodFailurePolicyActionFailIndex && !perIndex {
			continue
		}
		var why string
		switch {
		case rule.OnExitCodes != nil:
			cs := matchExitCodes(pod, rule.OnExitCodes)
			if cs == nil {
				continue
			}
			why = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
				cs.Name, pod.Namespace, pod.Name, cs.State.Terminated.ExitCode, rule.Action, i)
		case len(rule.OnPodConditions) > 0:
			cond := matchPodConditions(pod, rule.OnPodConditions)
			if cond == nil {
				continue
			}
			why = fmt.Sprintf("Pod %s/%s has condition %s matching %s rule at index %d", pod.Namespace, pod.Name, cond.Type, rule.Action, i)
		default:
			continue
		}
		v := failureVerdict{action: rule.Action}
		if rule.Action == batchv1.PodFailurePolicyActionFailJob {
			v.failJob = why
		}
		return v
	}
	return failureVerdict{}
}

// matchExitCodes returns the first container (init containers first) that terminated
// with a non-zero exit code the requirement selects. Exit code 0 never matches, not
// even NotIn: a container that succeeded did not cause the failure.
func matchExitCodes(pod *corev1.Pod, req *batchv1.PodFailurePolicyOnExitCodesRequirement) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			cs := &list[i]
			if req.ContainerName != nil && *req.ContainerName != cs.Name {
				continue
			}
			if cs.State.Terminated == nil || cs.State.Terminated.ExitCode == 0 {
				continue
			}
			in := slices.Contains(req.Values, cs.State.Terminated.ExitCode)
			if in == (req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) {
				return cs
			}
		}
	}
	return nil
}

// matchPodConditions returns the pod's first condition a pattern selects.
func matchPodConditions(pod *corev1.Pod, patterns []batchv1.PodFailurePolicyOnPodConditionsPattern) *corev1.PodCondition {
	for _, pat := range patterns {
		for i := range pod.Status.Conditions {
			c := &pod.Status.Conditions[i]
			if c.Type == pat.Type && c.Status == pat.Status {
				return c
			}
		}
	}
	return nil
}

// matchSuccessPolicy reports the message of the first success policy rule the
// succeeded indexes meet, as upstream words it, or "" when none does.
func matchSuccessPolicy(policy *batchv1.SuccessPolicy, completions int, succeeded indexSet) string {
	if policy == nil {
		return ""
	}
	for i, rule := range policy.Rules {
		met := false
		switch {
		case rule.SucceededIndexes != nil:
			want := parseIndexes(*rule.SucceededIndexes, completions)
			n := 0
			for _, ix := range want {
				if succeeded.has(ix) {
					n++
				}
			}
			if rule.SucceededCount != nil {
				met = n >= int(*rule.SucceededCount)
			} else {
				met = len(want) > 0 && n == len(want)
			}
		case rule.SucceededCount != nil:
			met = len(succeeded) >= int(*rule.SucceededCount)
		}
		if met {
			return fmt.Sprintf("Matched rules at index %d", i)
		}
	}
	return ""
}
