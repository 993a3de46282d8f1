package cronjob

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
)

// Default applies upstream's batch/v1 defaults: concurrent runs allowed, not
// suspended, three successful and one failed job kept, and the pod template's
// defaults. The job template's own spec gets none of the job defaults (upstream leaves
// them to the jobs created from it), only pod failure policy condition statuses.
func (Strategy) Default(obj runtime.Object) {
	cj := obj.(*batchv1.CronJob)
	spec := &cj.Spec
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr.To(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = ptr.To[int32](1)
	}
	if pfp := spec.JobTemplate.Spec.PodFailurePolicy; pfp != nil {
		for i := range pfp.Rules {
			for k := range pfp.Rules[i].OnPodConditions {
				if c := &pfp.Rules[i].OnPodConditions[k]; c.Status == "" {
					c.Status = "True"
				}
			}
		}
	}
	podspec.DefaultPodTemplateSpec(&spec.JobTemplate.Spec.Template)
}
