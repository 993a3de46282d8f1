package job

import (
	"context"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// The labels upstream still puts on a job's pods beside the batch.kubernetes.io ones,
// for selectors written before those existed.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)

// Strategy is the job rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages and durations are measured against (nil: the real
	// clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status: only the job controller reports it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*batchv1.Job).Status = batchv1.JobStatus{}
}

// PrepareForUpdate keeps status: it changes only through the status subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*batchv1.Job).Status = old.(*batchv1.Job).Status
}

// Canonicalize generates the selector and template labels of a job without a manual
// selector. It runs here rather than in PrepareForCreate because the labels carry the
// job's name, which the Store knows only now for a generateName job (the uid it set
// before PrepareForCreate). Labels a client set are kept; Validate then refuses a
// selector that does not select this job's uid and name.
func (Strategy) Canonicalize(obj runtime.Object) {
	j := obj.(*batchv1.Job)
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	for key, value := range map[string]string{
		legacyJobNameLabel:         j.Name,
		batchv1.JobNameLabel:       j.Name,
		legacyControllerUIDLabel:   string(j.UID),
		batchv1.ControllerUidLabel: string(j.UID),
	} {
		if _, ok := j.Spec.Template.Labels[key]; !ok {
			j.Spec.Template.Labels[key] = value
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
}

// SpecChanged tells the Store to bump metadata.generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*batchv1.Job).Spec, old.(*batchv1.Job).Spec)
}

// PrepareForStatusUpdate keeps spec: a status update changes only status (and
// metadata, as upstream allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*batchv1.Job).Spec = old.(*batchv1.Job).Spec
}

// Fields returns the fields a job list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	j := obj.(*batchv1.Job)
	return fields.Set{
		"metadata.name":      j.Name,
		"metadata.namespace": j.Namespace,
		"status.successful":  strconv.Itoa(int(j.Status.Succeeded)),
	}
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
