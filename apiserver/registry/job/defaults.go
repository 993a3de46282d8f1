package job

import (
	"math"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
)

// Default applies upstream's batch/v1 defaults to a job and its pod template. A job
// without labels takes its template's (as the client sent them: the generated labels
// come later, in Canonicalize).
func (Strategy) Default(obj runtime.Object) {
	j := obj.(*batchv1.Job)
	defaultSpec(&j.Spec)
	if j.Spec.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = j.Spec.Template.Labels
	}
	if j.Spec.ManualSelector == nil {
		j.Spec.ManualSelector = ptr.To(false)
	}
}

// defaultSpec applies upstream's job spec defaults: completions and parallelism 1 when
// both are unset, backoffLimit 6 (unlimited per index when backoffLimitPerIndex is
// set), NonIndexed completion, not suspended, and replacement of pods once terminating
// or failed (only failed under a pod failure policy). A cronjob's job template gets
// none of these from upstream, only its pod template's defaults.
func defaultSpec(spec *batchv1.JobSpec) {
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptr.To[int32](1)
		spec.Parallelism = ptr.To[int32](1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptr.To[int32](1)
	}
	if spec.BackoffLimit == nil {
		if spec.BackoffLimitPerIndex != nil {
			spec.BackoffLimit = ptr.To[int32](math.MaxInt32)
		} else {
			spec.BackoffLimit = ptr.To[int32](6)
		}
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptr.To(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr.To(false)
	}
	if spec.PodReplacementPolicy == nil {
		if spec.PodFailurePolicy != nil {
			spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
		} else {
			spec.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
		}
	}
	if spec.PodFailurePolicy != nil {
		for i := range spec.PodFailurePolicy.Rules {
			for k := range spec.PodFailurePolicy.Rules[i].OnPodConditions {
				if c := &spec.PodFailurePolicy.Rules[i].OnPodConditions[k]; c.Status == "" {
					c.Status = "True"
				}
			}
		}
	}
	podspec.DefaultPodTemplateSpec(&spec.Template)
}
