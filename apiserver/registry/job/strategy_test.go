package job

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

const uid = types.UID("0b5e4f1c-7a43-4d4b-9a35-52f0b1a5c0de")

// pi is what `kubectl create job pi --image=perl` sends.
func pi() *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "pi", Image: "perl:5.34"}},
		}}},
	}
}

// created is pi as the Store leaves it before validation: prepared, defaulted, with a
// uid and its generated selector.
func created() *batchv1.Job {
	j := pi()
	j.UID = uid
	Strategy{}.PrepareForCreate(context.Background(), j)
	Strategy{}.Default(j)
	Strategy{}.Canonicalize(j)
	return j
}

func TestDefaults(t *testing.T) {
	j := pi()
	j.Spec.Template.Labels = map[string]string{"app": "pi"}
	Strategy{}.Default(j)
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.CompletionMode != batchv1.NonIndexedCompletion ||
		*s.Suspend || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed || *s.ManualSelector {
		t.Errorf("spec %+v", s)
	}
	if j.Labels["app"] != "pi" {
		t.Errorf("job labels %v, want the template's", j.Labels)
	}
	if s.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Error("template not defaulted")
	}

	// Parallelism alone leaves completions unset (a work queue); a failure policy makes
	// replacement wait for failure; a per-index limit lifts the global one.
	j = pi()
	j.Spec.Parallelism = ptr.To[int32](3)
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
	}}}
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
	Strategy{}.Default(j)
	if j.Spec.Completions != nil || *j.Spec.PodReplacementPolicy != batchv1.Failed || *j.Spec.BackoffLimit != 2147483647 ||
		j.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status != corev1.ConditionTrue {
		t.Errorf("spec %+v", j.Spec)
	}
}

func TestGeneratedSelector(t *testing.T) {
	j := created()
	want := map[string]string{
		"batch.kubernetes.io/controller-uid": string(uid), "batch.kubernetes.io/job-name": "pi",
		"controller-uid": string(uid), "job-name": "pi",
	}
	for k, v := range want {
		if j.Spec.Template.Labels[k] != v {
			t.Errorf("template label %s = %q, want %q", k, j.Spec.Template.Labels[k], v)
		}
	}
	if len(j.Spec.Selector.MatchLabels) != 1 || j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != string(uid) {
		t.Errorf("selector %v", j.Spec.Selector)
	}
	if errs := (Strategy{}).Validate(context.Background(), j); len(errs) != 0 {
		t.Errorf("generated job invalid: %v", errs)
	}

	// A manual selector is left alone and must match the template.
	j = pi()
	j.Spec.ManualSelector = ptr.To(true)
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
	Strategy{}.Default(j)
	Strategy{}.Canonicalize(j)
	if len(j.Spec.Template.Labels) != 0 {
		t.Errorf("manual selector job labelled %v", j.Spec.Template.Labels)
	}
	want2 := []string{"spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"}
	if got := registrytest.Messages((Strategy{}).Validate(context.Background(), j)); !slices.Equal(got, want2) {
		t.Errorf("manual selector:\n got %q\nwant %q", got, want2)
	}

	// A client-chosen selector without manualSelector is refused.
	j = pi()
	j.UID = uid
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
	j.Spec.Template.Labels = map[string]string{"app": "pi"}
	Strategy{}.Default(j)
	Strategy{}.Canonicalize(j)
	want3 := []string{`spec.selector: Invalid value: {"matchLabels":{"app":"pi","batch.kubernetes.io/controller-uid":"` + string(uid) + `"}}: ` + "`selector` not auto-generated"}
	if got := registrytest.Messages((Strategy{}).Validate(context.Background(), j)); !slices.Equal(got, want3) {
		t.Errorf("chosen selector:\n got %q\nwant %q", got, want3)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*batchv1.Job)
		want   []string
	}{
		{"restartPolicy Always", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }, []string{
			`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
		}},
		// The pod's own rule reports it too, as upstream.
		{"restartPolicy unknown", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "Sometimes" }, []string{
			`spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`,
			`spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"`,
		}},
		{"failure policy with OnFailure", func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{}
			j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
		}, []string{
			`spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`,
		}},
		{"negative counts", func(j *batchv1.Job) {
			j.Spec.BackoffLimit = ptr.To[int32](-1)
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](-1)
		}, []string{
			"spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
			"spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
		}},
		{"unknown completion mode", func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To[batchv1.CompletionMode]("Sometimes") }, []string{
			`spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"`,
		}},
		{"per-index limit without Indexed", func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) }, []string{
			"spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
		}},
		{"unknown replacement policy", func(j *batchv1.Job) { j.Spec.PodReplacementPolicy = ptr.To[batchv1.PodReplacementPolicy]("Never") }, []string{
			`spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"`,
		}},
	} {
		j := created()
		tc.change(j)
		if got := registrytest.Messages((Strategy{}).Validate(ctx, j)); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}

	// An indexed job's last pod hostname must be a DNS label.
	j := created()
	j.Name = "a-very-long-job-name-that-fills-up-nearly-all-of-sixty-three-c"
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.Completions = ptr.To[int32](100)
	if got := registrytest.Paths(validateNameAllowsCompletions(j)); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("long indexed name: %v", got)
	}
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	old := created()
	j := old.DeepCopy()
	j.Spec.Template.Spec.Containers[0].Image = "perl:5.36"
	j.Spec.Completions = ptr.To[int32](2)
	want := []string{"spec.completions", "spec.template"}
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(ctx, j, old)); !slices.Equal(got, want) {
		t.Errorf("running job: paths %v, want %v", got, want)
	}

	// Suspended and not started: scheduling directives and resources may change, the
	// image may not.
	old.Spec.Suspend = ptr.To(true)
	j = old.DeepCopy()
	j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	j.Spec.Template.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: *ptrQuantity("1")}
	if errs := (Strategy{}).ValidateUpdate(ctx, j, old); len(errs) != 0 {
		t.Errorf("suspended job: %v", errs)
	}
	j.Spec.Template.Spec.Containers[0].Image = "perl:5.36"
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(ctx, j, old)); !slices.Equal(got, []string{"spec.template"}) {
		t.Errorf("suspended job image change: %v", got)
	}

	// Resuming, and changing parallelism, are fine.
	j = old.DeepCopy()
	j.Spec.Suspend = ptr.To(false)
	j.Spec.Parallelism = ptr.To[int32](4)
	if errs := (Strategy{}).ValidateUpdate(ctx, j, old); len(errs) != 0 {
		t.Errorf("resume: %v", errs)
	}
}

func TestStatusAndFields(t *testing.T) {
	ctx := context.Background()
	old := created()
	j := old.DeepCopy()
	j.Spec.Parallelism = ptr.To[int32](9)
	j.Status.Succeeded = 1
	j.Status.Ready = ptr.To[int32](-1)
	Strategy{}.PrepareForStatusUpdate(ctx, j, old)
	if *j.Spec.Parallelism != 1 {
		t.Error("status update changed spec")
	}
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, j, old)); !slices.Equal(got, []string{"status.ready"}) {
		t.Errorf("status paths %v", got)
	}
	f := Strategy{}.Fields(j)
	if len(f) != 3 || f["status.successful"] != "1" || f["metadata.name"] != "pi" || f["metadata.namespace"] != "default" {
		t.Errorf("Fields = %v", f)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"}) || len(wide) != 3 {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	j := created()
	j.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	row, err := s.TableRow(j)
	want := []any{"pi", "Running", "0/1", "", "10m", "pi", "perl:5.34", "batch.kubernetes.io/controller-uid=" + string(uid)}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("new job row %#v, %v", row, err)
	}

	j.Status.StartTime = &metav1.Time{Time: now.Add(-5 * time.Minute)}
	if row, _ := s.TableRow(j); row[3] != "5m" {
		t.Errorf("running duration %v", row[3])
	}
	j.Status.CompletionTime = &metav1.Time{Time: now.Add(-4*time.Minute - 30*time.Second)}
	j.Status.Succeeded = 1
	j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue}, {Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	if row, _ := s.TableRow(j); row[1] != "Complete" || row[2] != "1/1" || row[3] != "30s" {
		t.Errorf("complete row %#v", row)
	}

	for _, tc := range []struct {
		conds    []batchv1.JobCondition
		deleting bool
		want     string
	}{
		{[]batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}, true, "Failed"},
		{nil, true, "Terminating"},
		{[]batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionTrue}}, false, "Suspended"},
		{[]batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse}}, false, "Running"},
		{[]batchv1.JobCondition{{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue}}, false, "FailureTarget"},
	} {
		j := created()
		j.Status.Conditions = tc.conds
		if tc.deleting {
			j.DeletionTimestamp = &metav1.Time{Time: now}
		}
		if got := statusWord(j); got != tc.want {
			t.Errorf("%v deleting=%v: %q, want %q", tc.conds, tc.deleting, got, tc.want)
		}
	}

	j = pi()
	j.Spec.Parallelism = ptr.To[int32](3)
	if row, _ := s.TableRow(j); row[2] != "0/1 of 3" {
		t.Errorf("work queue completions %v", row[2])
	}
}
