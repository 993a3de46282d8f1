package cronjob

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var created = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func newCronJob(name, schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule, ConcurrencyPolicy: batchv1.AllowConcurrent, Suspend: ptr.To(false),
			SuccessfulJobsHistoryLimit: ptr.To[int32](3), FailedJobsHistoryLimit: ptr.To[int32](1),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}, Annotations: map[string]string{"note": "x"}},
				Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
			},
		},
	}
}

// harness drives sync by hand against a fake clock, so schedules are tested without
// waiting for them.
type harness struct {
	t      *testing.T
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	c      *Controller
}

func start(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	clk := clocktesting.NewFakeClock(created)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, CronJobs: f.Batch().V1().CronJobs(), Jobs: f.Batch().V1().Jobs(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	stop := c.recorder.Start()
	t.Cleanup(func() {
		stop()
		cancel()
		f.Shutdown()
	})
	return &harness{t: t, client: client, clock: clk, c: c}
}

// syncAt sets the clock and syncs name once the informers show what the API holds.
func (h *harness) syncAt(name string, at time.Time) time.Duration {
	h.t.Helper()
	h.settle()
	h.clock.SetTime(at)
	d, err := h.c.scheduleOnce(context.Background(), "default/"+name)
	if err != nil {
		h.t.Fatal(err)
	}
	h.settle()
	return d
}

// settle waits until the listers show the API's CronJobs and Jobs.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cjs, _ := h.client.BatchV1().CronJobs("default").List(context.Background(), metav1.ListOptions{})
		jobs, _ := h.client.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
		cached, _ := h.c.jobLister.List(labels.Everything())
		same := len(cached) == len(jobs.Items)
		for _, j := range jobs.Items {
			got, err := h.c.jobLister.Jobs("default").Get(j.Name)
			same = same && err == nil && apiequality.Semantic.DeepEqual(got.Status, j.Status)
		}
		for _, cj := range cjs.Items {
			got, err := h.c.cjLister.CronJobs("default").Get(cj.Name)
			same = same && err == nil && apiequality.Semantic.DeepEqual(got.Status, cj.Status) && apiequality.Semantic.DeepEqual(got.Spec, cj.Spec)
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatal("informers did not catch up")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) cronJob(name string) *batchv1.CronJob {
	cj, err := h.client.BatchV1().CronJobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return cj
}

func (h *harness) jobNames() []string {
	jobs, _ := h.client.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
	var out []string
	for _, j := range jobs.Items {
		out = append(out, j.Name)
	}
	slices.Sort(out)
	return out
}

// finishJob plays the Job controller.
func (h *harness) finishJob(name string, ct batchv1.JobConditionType, at time.Time) {
	h.t.Helper()
	j, err := h.client.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	j.Status.StartTime = &metav1.Time{Time: at.Add(-time.Second)}
	j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: ct, Status: corev1.ConditionTrue})
	if ct == batchv1.JobComplete {
		j.Status.CompletionTime = &metav1.Time{Time: at}
	}
	if _, err := h.client.BatchV1().Jobs("default").UpdateStatus(context.Background(), j, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) events() []string {
	deadline := time.Now().Add(5 * time.Second)
	var out []string
	for {
		evs, _ := h.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
		out = out[:0]
		for _, e := range evs.Items {
			out = append(out, e.Reason+": "+e.Message)
		}
		slices.Sort(out)
		if len(out) > 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) waitEvent(want string) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(h.events(), want) {
		if time.Now().After(deadline) {
			h.t.Fatalf("no event %q in %q", want, h.events())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCronJobFiresOnSchedule(t *testing.T) {
	h := start(t, newCronJob("tick", "*/1 * * * *"))
	if d := h.syncAt("tick", created.Add(30*time.Second)); d != 30*time.Second+nextDelta || len(h.jobNames()) != 0 {
		t.Fatalf("before the first time: requeue in %s, jobs %v", d, h.jobNames())
	}
	first := created.Add(time.Minute)
	if d := h.syncAt("tick", first.Add(2*time.Second)); d != 58*time.Second+nextDelta {
		t.Errorf("requeue in %s", d)
	}
	name := fmt.Sprintf("tick-%d", first.Unix()/60)
	if got := h.jobNames(); !slices.Equal(got, []string{name}) {
		t.Fatalf("jobs %v, want %s", got, name)
	}
	j, _ := h.client.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.Name != "tick" ||
		j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != "2026-03-01T10:01:00Z" || j.Annotations["note"] != "x" || j.Labels["app"] != "tick" {
		t.Errorf("job meta %+v", j.ObjectMeta)
	}
	cj := h.cronJob("tick")
	if len(cj.Status.Active) != 1 || cj.Status.Active[0].Name != name || !cj.Status.LastScheduleTime.Time.Equal(first) {
		t.Errorf("status %+v", cj.Status)
	}
	h.waitEvent("SuccessfulCreate: Created job " + name)

	// The same time never runs twice.
	h.syncAt("tick", first.Add(20*time.Second))
	if got := len(h.jobNames()); got != 1 {
		t.Errorf("%d jobs after a second sync", got)
	}

	// Completion leaves the active list and sets lastSuccessfulTime.
	h.finishJob(name, batchv1.JobComplete, first.Add(30*time.Second))
	h.syncAt("tick", first.Add(40*time.Second))
	cj = h.cronJob("tick")
	if len(cj.Status.Active) != 0 || cj.Status.LastSuccessfulTime == nil || !cj.Status.LastSuccessfulTime.Time.Equal(first.Add(30*time.Second)) {
		t.Errorf("after completion: %+v", cj.Status)
	}
	h.waitEvent("SawCompletedJob: Saw completed job: " + name + ", condition: Complete")
}

func TestCronJobConcurrencyPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy batchv1.ConcurrencyPolicy
		jobs   int
		event  string
	}{
		{batchv1.AllowConcurrent, 2, ""},
		{batchv1.ForbidConcurrent, 1, "JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid"},
		{batchv1.ReplaceConcurrent, 1, fmt.Sprintf("SuccessfulDelete: Deleted job c-%d", created.Add(time.Minute).Unix()/60)},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			cj := newCronJob("c", "* * * * *")
			cj.Spec.ConcurrencyPolicy = tc.policy
			h := start(t, cj)
			h.syncAt("c", created.Add(time.Minute+time.Second))
			h.syncAt("c", created.Add(2*time.Minute+time.Second))
			if got := h.jobNames(); len(got) != tc.jobs {
				t.Errorf("jobs %v", got)
			}
			if tc.policy == batchv1.ReplaceConcurrent {
				if got := h.jobNames(); got[0] != fmt.Sprintf("c-%d", created.Add(2*time.Minute).Unix()/60) {
					t.Errorf("kept %v, want the newer job", got)
				}
			}
			if tc.event != "" {
				h.waitEvent(tc.event)
			}
		})
	}
}

func TestCronJobMissedSchedules(t *testing.T) {
	// The controller was away for an hour: one job, for the most recent time.
	h := start(t, newCronJob("late", "*/5 * * * *"))
	h.syncAt("late", created.Add(62*time.Minute))
	if got := h.jobNames(); !slices.Equal(got, []string{fmt.Sprintf("late-%d", created.Add(60*time.Minute).Unix()/60)}) {
		t.Errorf("jobs %v", got)
	}

	// With a starting deadline, a time further back than the deadline is not run,
	// but the next one is.
	cj := newCronJob("strict", "0 * * * *")
	cj.Spec.StartingDeadlineSeconds = ptr.To[int64](60)
	h = start(t, cj)
	if h.syncAt("strict", created.Add(time.Hour+5*time.Minute)); len(h.jobNames()) != 0 {
		t.Errorf("ran a time past its deadline: %v", h.jobNames())
	}
	if h.syncAt("strict", created.Add(2*time.Hour+30*time.Second)); len(h.jobNames()) != 1 {
		t.Errorf("did not run a time within its deadline: %v", h.jobNames())
	}

	// Suspended: nothing runs.
	cj = newCronJob("paused", "* * * * *")
	cj.Spec.Suspend = ptr.To(true)
	h = start(t, cj)
	if h.syncAt("paused", created.Add(10*time.Minute)); len(h.jobNames()) != 0 {
		t.Errorf("suspended cronjob ran %v", h.jobNames())
	}

	// Decades of missed minutes: a warning, and the most recent time still runs.
	h = start(t, newCronJob("skew", "* * * * *"))
	h.syncAt("skew", created.Add(1000*time.Hour))
	if got := h.jobNames(); len(got) != 1 || got[0] != fmt.Sprintf("skew-%d", created.Add(1000*time.Hour).Unix()/60) {
		t.Errorf("jobs %v", got)
	}
	h.waitEvent("TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
}

func TestCronJobTimeZoneAndHistory(t *testing.T) {
	cj := newCronJob("tz", "0 19 * * *")
	cj.Spec.TimeZone = ptr.To("Asia/Tokyo") // 19:00 in Tokyo is 10:00 UTC
	cj.CreationTimestamp = metav1.NewTime(created.Add(-time.Hour))
	cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](1)
	h := start(t, cj)
	var names []string
	for day := range 3 {
		at := created.Add(time.Duration(24*day)*time.Hour + time.Minute)
		h.syncAt("tz", at)
		names = h.jobNames()
		newest := fmt.Sprintf("tz-%d", created.Add(time.Duration(24*day)*time.Hour).Unix()/60)
		if !slices.Contains(names, newest) {
			t.Fatalf("day %d: jobs %v", day, names)
		}
		j, _ := h.client.BatchV1().Jobs("default").Get(context.Background(), newest, metav1.GetOptions{})
		if ts := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; !strings.HasSuffix(ts, "T19:00:00+09:00") {
			t.Errorf("scheduled-timestamp %q", ts)
		}
		h.finishJob(newest, batchv1.JobComplete, at.Add(time.Second))
	}
	// Syncing reaps all but the newest successful job.
	h.syncAt("tz", created.Add(48*time.Hour+2*time.Minute))
	if got := h.jobNames(); len(got) != 1 || got[0] != fmt.Sprintf("tz-%d", created.Add(48*time.Hour).Unix()/60) {
		t.Errorf("history kept %v", got)
	}

	bad := newCronJob("badtz", "* * * * *")
	bad.Spec.TimeZone = ptr.To("Mars/Olympus")
	h = start(t, bad)
	h.syncAt("badtz", created.Add(5*time.Minute))
	if len(h.jobNames()) != 0 {
		t.Errorf("ran with an unknown time zone")
	}
	h.waitEvent(`UnknownTimeZone: invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus`)
}
