package job

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	"kite/apiserver/registry"
	"kite/apiserver/registry/workload"
)

// TableColumns are upstream's `kubectl get jobs` columns (STATUS since 1.31); the last
// three show with -o wide.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Status", Type: "string", Description: "Status of the job."},
		{Name: "Completions", Type: "string", Description: batchv1.JobStatus{}.SwaggerDoc()["succeeded"]},
		{Name: "Duration", Type: "string", Description: "Time required to complete the job."},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Containers", Type: "string", Priority: 1, Description: workload.ContainersDescription},
		{Name: "Images", Type: "string", Priority: 1, Description: workload.ImagesDescription},
		{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]},
	}
}

// TableRow returns the cells of one job: its status word, COMPLETIONS as
// succeeded/wanted ("0/1 of 3" for a work queue of parallelism 3), DURATION from start
// to completion (or to now while running, empty before start), and AGE.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return nil, fmt.Errorf("job: cannot print a %T", obj)
	}
	now := s.now()
	var completions string
	switch p := j.Spec.Parallelism; {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case p != nil && *p > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *p)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var took string
	switch st := j.Status; {
	case st.StartTime == nil:
	case st.CompletionTime == nil:
		took = duration.HumanDuration(now.Sub(st.StartTime.Time))
	default:
		took = duration.HumanDuration(st.CompletionTime.Sub(st.StartTime.Time))
	}
	names, images := workload.ContainerCells(j.Spec.Template.Spec.Containers)
	return []any{
		j.Name, statusWord(j), completions, took, registry.Age(j.CreationTimestamp.Time, now),
		names, images, metav1.FormatLabelSelector(j.Spec.Selector),
	}, nil
}

// statusWord is the word kubectl shows for a job, from its conditions in upstream's order of
// precedence: Complete, Failed, Terminating (being deleted), Suspended, FailureTarget,
// SuccessCriteriaMet, else Running.
func statusWord(j *batchv1.Job) string {
	switch {
	case hasCondition(j, batchv1.JobComplete):
		return "Complete"
	case hasCondition(j, batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case hasCondition(j, batchv1.JobSuspended):
		return "Suspended"
	case hasCondition(j, batchv1.JobFailureTarget):
		return "FailureTarget"
	case hasCondition(j, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

// hasCondition tells whether the first condition of type t is True, as upstream reads
// conditions.
func hasCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
