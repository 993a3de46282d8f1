package cronjob

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/registry/workload"
)

// TableColumns are upstream's `kubectl get cronjobs` columns; the last three show with
// -o wide.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec, status := batchv1.CronJobSpec{}.SwaggerDoc(), batchv1.CronJobStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Schedule", Type: "string", Description: spec["schedule"]},
		{Name: "Timezone", Type: "string", Description: spec["timeZone"]},
		{Name: "Suspend", Type: "boolean", Description: spec["suspend"]},
		{Name: "Active", Type: "integer", Description: status["active"]},
		{Name: "Last Schedule", Type: "string", Description: status["lastScheduleTime"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Containers", Type: "string", Priority: 1, Description: workload.ContainersDescription},
		{Name: "Images", Type: "string", Priority: 1, Description: workload.ImagesDescription},
		{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]},
	}
}

// TableRow returns the cells of one cronjob. As upstream, SUSPEND is the word "True",
// "False" or "<unset>" although the column is declared boolean, and TIMEZONE and LAST
// SCHEDULE are "<none>" when unset.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return nil, fmt.Errorf("cronjob: cannot print a %T", obj)
	}
	now := s.now()
	last := "<none>"
	if t := cj.Status.LastScheduleTime; t != nil {
		last = registry.Age(t.Time, now)
	}
	tz := "<none>"
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = "False"
		if *cj.Spec.Suspend {
			suspend = "True"
		}
	}
	t := &cj.Spec.JobTemplate.Spec
	names, images := workload.ContainerCells(t.Template.Spec.Containers)
	return []any{
		cj.Name, cj.Spec.Schedule, tz, suspend, int64(len(cj.Status.Active)), last,
		registry.Age(cj.CreationTimestamp.Time, now),
		names, images, metav1.FormatLabelSelector(t.Selector),
	}, nil
}
