package cronjob

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

// hello is what `kubectl create cronjob hello --image=busybox --schedule="*/1 * * * *"`
// sends.
func hello() *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: batchv1.CronJobSpec{
			Schedule: "*/1 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers:    []corev1.Container{{Name: "hello", Image: "busybox"}},
			}}}},
		},
	}
}

func defaulted() *batchv1.CronJob {
	cj := hello()
	Strategy{}.Default(cj)
	return cj
}

func TestDefaults(t *testing.T) {
	cj := defaulted()
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("spec %+v", s)
	}
	// The job template's spec keeps what upstream leaves to the jobs made from it.
	if js := s.JobTemplate.Spec; js.BackoffLimit != nil || js.Completions != nil || js.Suspend != nil {
		t.Errorf("job template defaulted: %+v", js)
	}
	if p := s.JobTemplate.Spec.Template.Spec; p.DNSPolicy != corev1.DNSClusterFirst || p.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("pod template not defaulted: dnsPolicy %q pullPolicy %q", p.DNSPolicy, p.Containers[0].ImagePullPolicy)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*batchv1.CronJob)
		want   []string
	}{
		{"valid", func(*batchv1.CronJob) {}, nil},
		{"macro", func(c *batchv1.CronJob) { c.Spec.Schedule = "@hourly" }, nil},
		{"time zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Europe/Berlin") }, nil},
		{"no schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "" }, []string{"spec.schedule: Required value"}},
		{"bad schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "every minute" }, []string{
			`spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]`,
		}},
		{"out of range", func(c *batchv1.CronJob) { c.Spec.Schedule = "61 * * * *" }, []string{
			`spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`,
		}},
		{"TZ in schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "TZ=UTC 0 * * * *" }, []string{
			`spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
		}},
		{"unknown zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Mars/Olympus") }, []string{
			`spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus`,
		}},
		{"path in zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("../etc/passwd") }, []string{
			`spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd`,
		}},
		{"empty zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("") }, []string{
			`spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string`,
		}},
		{"Local", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr.To("Local") }, []string{
			`spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`,
		}},
		{"concurrency", func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "Sometimes" }, []string{
			`spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`,
		}},
		{"selector in template", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, []string{`spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: ` + "`selector` will be auto-generated"}},
		{"manual selector", func(c *batchv1.CronJob) { c.Spec.JobTemplate.Spec.ManualSelector = ptr.To(true) }, []string{
			`spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"`,
		}},
		{"restartPolicy Always", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, []string{
			`spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
		}},
		{"negative limits", func(c *batchv1.CronJob) {
			c.Spec.StartingDeadlineSeconds = ptr.To[int64](-1)
			c.Spec.FailedJobsHistoryLimit = ptr.To[int32](-1)
		}, []string{
			"spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
		}},
		{"long name", func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 53) }, []string{
			`metadata.name: Invalid value: "` + strings.Repeat("a", 53) + `": must be no more than 52 characters`,
		}},
	} {
		cj := defaulted()
		tc.change(cj)
		got := registrytest.Messages((Strategy{}).Validate(ctx, cj))
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	// A schedule stored with TZ= before upstream forbade it stays updatable.
	old := defaulted()
	old.Spec.Schedule = "TZ=UTC 0 * * * *"
	cj := old.DeepCopy()
	cj.Spec.Suspend = ptr.To(true)
	if errs := (Strategy{}).ValidateUpdate(ctx, cj, old); len(errs) != 0 {
		t.Errorf("legacy TZ schedule: %v", errs)
	}
	cj.Spec.TimeZone = ptr.To("UTC")
	if got := registrytest.Messages((Strategy{}).ValidateUpdate(ctx, cj, old)); len(got) != 1 || !strings.Contains(got[0], "cannot use both timeZone field and TZ or CRON_TZ") {
		t.Errorf("TZ and timeZone: %q", got)
	}
}

func TestStatusAndGeneration(t *testing.T) {
	ctx := context.Background()
	old := defaulted()
	cj := old.DeepCopy()
	cj.Status.Active = []corev1.ObjectReference{{Name: "hello-29000000"}}
	Strategy{}.PrepareForUpdate(ctx, cj, old)
	if len(cj.Status.Active) != 0 || (Strategy{}).SpecChanged(cj, old) {
		t.Errorf("update set status %v", cj.Status)
	}
	cj.Spec.Schedule = "@daily"
	cj.Status.Active = []corev1.ObjectReference{{Name: "hello-29000000"}}
	Strategy{}.PrepareForStatusUpdate(ctx, cj, old)
	if cj.Spec.Schedule != old.Spec.Schedule || len(cj.Status.Active) != 1 {
		t.Errorf("status update: schedule %q, active %v", cj.Spec.Schedule, cj.Status.Active)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"}) || len(wide) != 3 {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	cj := defaulted()
	cj.CreationTimestamp = metav1.NewTime(now.Add(-48 * time.Hour))
	row, err := s.TableRow(cj)
	want := []any{"hello", "*/1 * * * *", "<none>", "False", int64(0), "<none>", "2d", "hello", "busybox", "<none>"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
	cj.Spec.TimeZone = ptr.To("Etc/UTC")
	cj.Spec.Suspend = nil
	cj.Status.LastScheduleTime = &metav1.Time{Time: now.Add(-30 * time.Second)}
	cj.Status.Active = make([]corev1.ObjectReference, 2)
	if row, _ := s.TableRow(cj); row[2] != "Etc/UTC" || row[3] != "<unset>" || row[4] != int64(2) || row[5] != "30s" {
		t.Errorf("row %#v", row)
	}
}
