package job

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
	"kite/apiserver/registry/workload"
)

// maxParallelismForIndexedJob bounds an indexed job's parallelism, as upstream.
const maxParallelismForIndexedJob = 100_000

// Validate checks a new job (the Store checks its metadata) with upstream's field
// paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	j := obj.(*batchv1.Job)
	errs := validateGeneratedSelector(j)
	errs = append(errs, validateSpecWithSelector(&j.Spec, field.NewPath("spec"))...)
	return append(errs, validateNameAllowsCompletions(j)...)
}

// ValidateUpdate checks the new spec and what may not change once the job exists.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	j, o := obj.(*batchv1.Job), old.(*batchv1.Job)
	path := field.NewPath("spec")
	errs := validateSpecWithSelector(&j.Spec, path)
	if ptr.Deref(j.Spec.CompletionMode, "") == batchv1.IndexedCompletion {
		if c := j.Spec.Completions; c != nil && !ptr.Equal(c, o.Spec.Completions) && *c != ptr.Deref(j.Spec.Parallelism, 0) {
			errs = append(errs, field.Invalid(path.Child("completions"), c, "can only be modified in tandem with spec.parallelism"))
		}
	} else {
		errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.Completions, o.Spec.Completions, path.Child("completions"))...)
	}
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.Selector, o.Spec.Selector, path.Child("selector"))...)
	errs = append(errs, validateTemplateUpdate(j, o, path.Child("template"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.CompletionMode, o.Spec.CompletionMode, path.Child("completionMode"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.PodFailurePolicy, o.Spec.PodFailurePolicy, path.Child("podFailurePolicy"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.BackoffLimitPerIndex, o.Spec.BackoffLimitPerIndex, path.Child("backoffLimitPerIndex"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.ManagedBy, o.Spec.ManagedBy, path.Child("managedBy"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(j.Spec.SuccessPolicy, o.Spec.SuccessPolicy, path.Child("successPolicy"))...)
	return append(errs, validateNameAllowsCompletions(j)...)
}

// ValidateStatusUpdate checks the counters the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	st := obj.(*batchv1.Job).Status
	path := field.NewPath("status")
	errs := workload.NonNegative(path,
		workload.Count{Name: "active", Value: int64(st.Active)},
		workload.Count{Name: "succeeded", Value: int64(st.Succeeded)},
		workload.Count{Name: "failed", Value: int64(st.Failed)},
	)
	if st.Ready != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*st.Ready), path.Child("ready"))...)
	}
	if st.Terminating != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*st.Terminating), path.Child("terminating"))...)
	}
	return errs
}

// validateGeneratedSelector checks, for a job without a manual selector, that the
// template carries this job's uid and name labels and that the selector picks them.
func validateGeneratedSelector(j *batchv1.Job) field.ErrorList {
	if ptr.Deref(j.Spec.ManualSelector, false) || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	tp := field.NewPath("spec", "template", "metadata")
	want := map[string]string{
		legacyControllerUIDLabel:   string(j.UID),
		legacyJobNameLabel:         j.Name,
		batchv1.ControllerUidLabel: string(j.UID),
		batchv1.JobNameLabel:       j.Name,
	}
	for _, key := range []string{legacyControllerUIDLabel, legacyJobNameLabel, batchv1.ControllerUidLabel, batchv1.JobNameLabel} {
		got, ok := j.Spec.Template.Labels[key]
		switch {
		case !ok:
			errs = append(errs, field.Required(tp.Child("labels").Key(key), fmt.Sprintf("must be '%s'", want[key])))
		case got != want[key]:
			errs = append(errs, field.Invalid(tp.Child("labels").Key(key), got, fmt.Sprintf("must be '%s'", want[key])))
		}
	}
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(want)) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// validateNameAllowsCompletions refuses an indexed job whose last pod's hostname
// (<name>-<completions-1>) would not be a DNS label.
func validateNameAllowsCompletions(j *batchv1.Job) field.ErrorList {
	if ptr.Deref(j.Spec.CompletionMode, "") != batchv1.IndexedCompletion || ptr.Deref(j.Spec.Completions, 0) <= 0 {
		return nil
	}
	host := fmt.Sprintf("%s-%d", j.Name, *j.Spec.Completions-1)
	if len(validation.IsDNS1123Label(host)) > 0 {
		return field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), j.Name, "will not able to create pod with invalid DNS label: "+host)}
	}
	return nil
}

// validateSpecWithSelector is ValidateSpec plus the selector a job (unlike a job
// template) must have, selecting its template.
func validateSpecWithSelector(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := ValidateSpec(spec, path)
	if spec.Selector == nil {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	}
	return append(errs, workload.SelectorMatches(spec.Selector, spec.Template.Labels, path.Child("template", "metadata", "labels"))...)
}

// ValidateSpec checks a job spec apart from its selector: counts, completion mode,
// replacement policy, the pod template, and a restartPolicy of OnFailure or Never.
// cronjob calls it for its job template.
func ValidateSpec(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value *int32
	}{
		{"parallelism", spec.Parallelism}, {"completions", spec.Completions},
		{"backoffLimit", spec.BackoffLimit}, {"ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished},
		{"backoffLimitPerIndex", spec.BackoffLimitPerIndex}, {"maxFailedIndexes", spec.MaxFailedIndexes},
	} {
		if c.value != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*c.value), path.Child(c.name))...)
		}
	}
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(*spec.ActiveDeadlineSeconds, path.Child("activeDeadlineSeconds"))...)
	}
	if spec.MaxFailedIndexes != nil && spec.BackoffLimitPerIndex == nil {
		errs = append(errs, field.Required(path.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
	}
	errs = append(errs, validateCompletionMode(spec, path)...)
	errs = append(errs, validateReplacementPolicy(spec, path.Child("podReplacementPolicy"))...)
	tp := path.Child("template")
	errs = append(errs, podspec.ValidatePodTemplateSpec(&spec.Template, tp)...)
	rp := tp.Child("spec", "restartPolicy")
	switch rpol := spec.Template.Spec.RestartPolicy; {
	case rpol == corev1.RestartPolicyAlways || rpol == "":
		errs = append(errs, field.Required(rp, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	case rpol != corev1.RestartPolicyOnFailure && rpol != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(rp, rpol, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	case spec.PodFailurePolicy != nil && rpol != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(rp, rpol, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever)))
	}
	return errs
}

func validateCompletionMode(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	mode := ptr.Deref(spec.CompletionMode, batchv1.NonIndexedCompletion)
	switch mode {
	case batchv1.NonIndexedCompletion:
		if spec.BackoffLimitPerIndex != nil {
			errs = append(errs, field.Invalid(path.Child("backoffLimitPerIndex"), *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
		if spec.MaxFailedIndexes != nil {
			errs = append(errs, field.Invalid(path.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "requires indexed completion mode"))
		}
		if spec.SuccessPolicy != nil {
			errs = append(errs, field.Invalid(path.Child("successPolicy"), *spec.SuccessPolicy, "requires indexed completion mode"))
		}
	case batchv1.IndexedCompletion:
		if spec.Completions == nil {
			errs = append(errs, field.Required(path.Child("completions"), "when completion mode is Indexed"))
		}
		if p := spec.Parallelism; p != nil && *p > maxParallelismForIndexedJob {
			errs = append(errs, field.Invalid(path.Child("parallelism"), *p, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
		}
		if spec.Completions != nil && spec.MaxFailedIndexes != nil && *spec.MaxFailedIndexes > *spec.Completions {
			errs = append(errs, field.Invalid(path.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "must be less than or equal to completions"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("completionMode"), spec.CompletionMode, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
	}
	return errs
}

func validateReplacementPolicy(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	p := spec.PodReplacementPolicy
	switch {
	case p == nil:
		return nil
	case spec.PodFailurePolicy != nil:
		if *p != batchv1.Failed {
			return field.ErrorList{field.NotSupported(path, *p, []batchv1.PodReplacementPolicy{batchv1.Failed})}
		}
	case *p != batchv1.Failed && *p != batchv1.TerminatingOrFailed:
		return field.ErrorList{field.NotSupported(path, *p, []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed})}
	}
	return nil
}

// validateTemplateUpdate keeps the pod template as it was, except while the job is
// suspended and has no pods yet (not started, or suspended again): then the scheduling
// directives and container resources may change, so a queueing system can place the
// job before it starts (upstream 1.37's default feature gates).
func validateTemplateUpdate(j, old *batchv1.Job, path *field.Path) field.ErrorList {
	oldTemplate := &old.Spec.Template
	if mutableTemplate(old) {
		oldTemplate = oldTemplate.DeepCopy()
		t := &j.Spec.Template
		oldTemplate.Labels, oldTemplate.Annotations = t.Labels, t.Annotations
		oldTemplate.Spec.NodeSelector, oldTemplate.Spec.Tolerations = t.Spec.NodeSelector, t.Spec.Tolerations
		oldTemplate.Spec.SchedulingGates = t.Spec.SchedulingGates
		switch {
		case t.Spec.Affinity == nil && oldTemplate.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = nil
			if apiequality.Semantic.DeepEqual(*oldTemplate.Spec.Affinity, corev1.Affinity{}) {
				oldTemplate.Spec.Affinity = nil
			}
		case t.Spec.Affinity != nil && oldTemplate.Spec.Affinity == nil:
			oldTemplate.Spec.Affinity = &corev1.Affinity{NodeAffinity: t.Spec.Affinity.NodeAffinity}
		case t.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = t.Spec.Affinity.NodeAffinity
		}
		copyResources(oldTemplate.Spec.InitContainers, t.Spec.InitContainers)
		copyResources(oldTemplate.Spec.Containers, t.Spec.Containers)
		oldTemplate.Spec.Resources = t.Spec.Resources
	}
	return apivalidation.ValidateImmutableField(j.Spec.Template, *oldTemplate, path)
}

// copyResources gives each container of dst the resources of the same-named one in src.
func copyResources(dst, src []corev1.Container) {
	for i := range dst {
		for k := range src {
			if src[k].Name == dst[i].Name {
				dst[i].Resources = src[k].Resources
			}
		}
	}
}

// mutableTemplate tells whether old is suspended with no pods running, before its
// start or after being suspended again.
func mutableTemplate(old *batchv1.Job) bool {
	if !ptr.Deref(old.Spec.Suspend, false) || old.Status.Active != 0 {
		return false
	}
	if old.Status.StartTime == nil {
		return true
	}
	for _, c := range old.Status.Conditions {
		if c.Type == batchv1.JobSuspended {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
