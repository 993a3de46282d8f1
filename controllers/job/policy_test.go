package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestIndexSets(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  []int
		str   string
	}{
		{"", 10, nil, ""},
		{"0", 10, []int{0}, "0"},
		{"1,3-5,7", 10, []int{1, 3, 4, 5, 7}, "1,3-5,7"},
		{"3-5,0-1", 10, []int{0, 1, 3, 4, 5}, "0-1,3-5"},
		{"0,1,2", 10, []int{0, 1, 2}, "0-2"},
		{"2-8", 5, []int{2, 3, 4}, "2-4"},
		{"x,1,5-3,2", 10, []int{1, 2}, "1-2"},
	} {
		got := parseIndexes(tc.in, tc.limit)
		if !slices.Equal(got, tc.want) || got.String() != tc.str {
			t.Errorf("parseIndexes(%q, %d) = %v %q, want %v %q", tc.in, tc.limit, got, got.String(), tc.want, tc.str)
		}
	}
	s := parseIndexes("1,3", 10).with(2, 7, 1)
	if s.String() != "1-3,7" || !s.has(7) || s.has(4) {
		t.Errorf("with: %v", s)
	}
}

func failedPod(conds []corev1.PodCondition, statuses ...corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Status:     corev1.PodStatus{Phase: corev1.PodFailed, Conditions: conds, ContainerStatuses: statuses},
	}
}

func exited(name string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func TestMatchFailurePolicy(t *testing.T) {
	onCodes := func(action batchv1.PodFailurePolicyAction, op batchv1.PodFailurePolicyOnExitCodesOperator, container *string, codes ...int32) batchv1.PodFailurePolicyRule {
		return batchv1.PodFailurePolicyRule{Action: action, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{ContainerName: container, Operator: op, Values: codes}}
	}
	disruption := batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionIgnore,
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}
	policy := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		disruption,
		onCodes(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, ptr.To("main"), 42),
		onCodes(batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyOnExitCodesOpIn, nil, 7),
		onCodes(batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyOnExitCodesOpNotIn, nil, 1, 2),
	}}
	for _, tc := range []struct {
		name     string
		pod      *corev1.Pod
		perIndex bool
		want     batchv1.PodFailurePolicyAction
		failJob  string
		counts   bool
	}{
		{"no rule matches", failedPod(nil, exited("main", 1)), false, "", "", true},
		{"exit code 42 in main fails the job", failedPod(nil, exited("side", 0), exited("main", 42)), false,
			batchv1.PodFailurePolicyActionFailJob, "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1", true},
		{"exit code 42 in another container", failedPod(nil, exited("side", 42)), false, batchv1.PodFailurePolicyActionCount, "", true},
		{"disruption is ignored first", failedPod([]corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}, exited("main", 42)), false,
			batchv1.PodFailurePolicyActionIgnore, "", false},
		{"condition false does not match", failedPod([]corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionFalse}}, exited("main", 1)), false, "", "", true},
		{"FailIndex only with backoffLimitPerIndex", failedPod(nil, exited("main", 7)), false, batchv1.PodFailurePolicyActionCount, "", true},
		{"FailIndex with backoffLimitPerIndex", failedPod(nil, exited("main", 7)), true, batchv1.PodFailurePolicyActionFailIndex, "", true},
		{"exit code 0 never matches NotIn", failedPod(nil, exited("main", 0)), false, "", "", true},
		{"init container counts", func() *corev1.Pod {
			p := failedPod(nil)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{exited("main", 42)}
			return p
		}(), false, batchv1.PodFailurePolicyActionFailJob, "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := matchFailurePolicy(policy, tc.perIndex, tc.pod)
			if v.action != tc.want || v.failJob != tc.failJob || v.counts() != tc.counts {
				t.Errorf("got %+v (counts %v), want %s %q counts %v", v, v.counts(), tc.want, tc.failJob, tc.counts)
			}
		})
	}
	cond := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob,
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: "ConfigIssue", Status: corev1.ConditionTrue}}}}}
	v := matchFailurePolicy(cond, false, failedPod([]corev1.PodCondition{{Type: "ConfigIssue", Status: corev1.ConditionTrue}}))
	if v.failJob != "Pod ns/p has condition ConfigIssue matching FailJob rule at index 0" {
		t.Errorf("condition rule: %+v", v)
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	rules := func(r ...batchv1.SuccessPolicyRule) *batchv1.SuccessPolicy { return &batchv1.SuccessPolicy{Rules: r} }
	for _, tc := range []struct {
		name      string
		policy    *batchv1.SuccessPolicy
		succeeded string
		want      string
	}{
		{"no policy", nil, "0-4", ""},
		{"all listed indexes", rules(batchv1.SuccessPolicyRule{SucceededIndexes: ptr.To("0,2")}), "0,2", "Matched rules at index 0"},
		{"a listed index missing", rules(batchv1.SuccessPolicyRule{SucceededIndexes: ptr.To("0,2")}), "0,1", ""},
		{"count only", rules(batchv1.SuccessPolicyRule{SucceededCount: ptr.To[int32](3)}), "1,3-4", "Matched rules at index 0"},
		{"count among listed", rules(
			batchv1.SuccessPolicyRule{SucceededIndexes: ptr.To("0-1"), SucceededCount: ptr.To[int32](2)},
			batchv1.SuccessPolicyRule{SucceededIndexes: ptr.To("2-4"), SucceededCount: ptr.To[int32](2)}), "0,3-4", "Matched rules at index 1"},
	} {
		got := matchSuccessPolicy(tc.policy, 5, parseIndexes(tc.succeeded, 5))
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestBackoffRemaining(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(phase corev1.PodPhase, ago time.Duration) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(now.Add(-ago))}}}}}}
	}
	failed := func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed }
	for _, tc := range []struct {
		name string
		pods []*corev1.Pod
		want time.Duration
	}{
		{"no failures", []*corev1.Pod{at(corev1.PodSucceeded, time.Second)}, 0},
		{"one failure 4s ago", []*corev1.Pod{at(corev1.PodFailed, 4*time.Second)}, 6 * time.Second},
		{"three failures double twice", []*corev1.Pod{at(corev1.PodFailed, time.Minute), at(corev1.PodFailed, 30*time.Second), at(corev1.PodFailed, 10*time.Second)}, 30 * time.Second},
		{"a success resets", []*corev1.Pod{at(corev1.PodFailed, time.Minute), at(corev1.PodFailed, 50*time.Second), at(corev1.PodSucceeded, 40*time.Second), at(corev1.PodFailed, 5*time.Second)}, 5 * time.Second},
		{"long past", []*corev1.Pod{at(corev1.PodFailed, time.Hour)}, 0},
		{"capped at ten minutes", func() []*corev1.Pod {
			var ps []*corev1.Pod
			for range 20 {
				ps = append(ps, at(corev1.PodFailed, time.Second))
			}
			return ps
		}(), 10*time.Minute - time.Second},
	} {
		if got := backoffRemaining(tc.pods, failed, now); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}
