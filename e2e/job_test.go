package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// The Job and CronJob controllers inside `kite server`. No node agent runs, so the
// tests play the kubelet: they end pods by writing pods/status with the container's
// exit code, as a kubelet would.

// jobPods lists the pods a job controls, oldest first.
func jobPods(t *testing.T, c kubernetes.Interface, job string) []corev1.Pod {
	t.Helper()
	list, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return list.Items
}

// running are the pods not yet ended.
func running(pods []corev1.Pod) []corev1.Pod {
	return slices.DeleteFunc(pods, func(p corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || p.DeletionTimestamp != nil
	})
}

// exitPod plays the kubelet: the pod's only container exits with code. Like a
// kubelet it writes over the latest pod, retrying when another writer got there first.
func exitPod(t *testing.T, c kubernetes.Interface, pod corev1.Pod, code int32) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := c.CoreV1().Pods("default").Get(context.Background(), pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		setExited(p, code)
		_, err = c.CoreV1().Pods("default").UpdateStatus(context.Background(), p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("ending pod %s: %v", pod.Name, err)
	}
}

func setExited(p *corev1.Pod, code int32) {
	now := metav1.Now()
	p.Status.Phase = corev1.PodSucceeded
	reason := "Completed"
	if code != 0 {
		p.Status.Phase, reason = corev1.PodFailed, "Error"
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: p.Spec.Containers[0].Name, Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: now, FinishedAt: now}},
	}}
}

func jobCondition(t *testing.T, c kubernetes.Interface, name string, ct batchv1.JobConditionType, reason string) func() string {
	return func() string {
		j, err := c.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, cond := range j.Status.Conditions {
			if cond.Type == ct && cond.Status == corev1.ConditionTrue && cond.Reason == reason {
				return ""
			}
		}
		return fmt.Sprintf("job %s status %s", name, toJSON(j.Status))
	}
}

func eventsOf(t *testing.T, k, kc, name string) string {
	return kubectl(t, k, kc, "get", "events", "--field-selector", "involvedObject.name="+name,
		"-o", `jsonpath={range .items[*]}{.source.component} {.reason}: {.message}{"\n"}{end}`)
}

func TestJobController(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	dir := t.TempDir()

	t.Run("completions 3 parallelism 2", func(t *testing.T) {
		manifest := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(manifest, []byte(`apiVersion: batch/v1
kind: Job
metadata:
  name: kite-pi
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: kite.test/none:1
`), 0o600); err != nil {
			t.Fatal(err)
		}
		kubectl(t, k, kc, "apply", "-f", manifest)
		eventually(t, 30*time.Second, func() string {
			if n := len(running(jobPods(t, c, "kite-pi"))); n != 2 {
				return fmt.Sprintf("%d pods running, want 2", n)
			}
			return ""
		})
		for _, p := range jobPods(t, c, "kite-pi") {
			if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) || p.Labels["job-name"] != "kite-pi" ||
				p.Labels[batchv1.ControllerUidLabel] == "" || metav1.GetControllerOf(&p) == nil {
				t.Errorf("pod %s: finalizers %v labels %v", p.Name, p.Finalizers, p.Labels)
			}
		}
		// End pods as they come until three succeeded.
		done := map[string]bool{}
		eventually(t, 60*time.Second, func() string {
			for _, p := range running(jobPods(t, c, "kite-pi")) {
				if !done[p.Name] {
					exitPod(t, c, p, 0)
					done[p.Name] = true
				}
			}
			return jobCondition(t, c, "kite-pi", batchv1.JobComplete, "CompletionsReached")()
		})
		if len(done) != 3 {
			t.Errorf("%d pods ran, want 3", len(done))
		}
		j, err := c.BatchV1().Jobs("default").Get(ctx, "kite-pi", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if j.Status.Succeeded != 3 || j.Status.CompletionTime == nil || j.Status.StartTime == nil || j.Status.Active != 0 {
			t.Errorf("status %s", toJSON(j.Status))
		}
		// kubectl reads the status as a user would.
		out := kubectl(t, k, kc, "get", "job", "kite-pi")
		if rows := fields(out); len(rows) != 2 || !strings.Contains(out, "3/3") || !strings.Contains(out, "Complete") {
			t.Errorf("kubectl get job:\n%s", out)
		}
		kubectl(t, k, kc, "wait", "--for=condition=complete", "job/kite-pi", "--timeout=10s")
		for _, p := range jobPods(t, c, "kite-pi") {
			if slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
				t.Errorf("pod %s kept the tracking finalizer", p.Name)
			}
		}
		eventually(t, 20*time.Second, func() string {
			ev := eventsOf(t, k, kc, "kite-pi")
			if strings.Count(ev, "job-controller SuccessfulCreate: Created pod: kite-pi-") != 3 || !strings.Contains(ev, "job-controller Completed: Job completed") {
				return "events:\n" + ev
			}
			return ""
		})
	})

	t.Run("backoffLimit", func(t *testing.T) {
		kubectl(t, k, kc, "create", "job", "kite-fail", "--image=kite.test/none:1")
		kubectl(t, k, kc, "patch", "job", "kite-fail", "--type=merge", "-p", `{"spec":{"backoffLimit":1}}`)
		// Two failures exceed a backoffLimit of 1; the second pod comes after the
		// 10s back-off.
		failed := map[string]bool{}
		eventually(t, 60*time.Second, func() string {
			for _, p := range running(jobPods(t, c, "kite-fail")) {
				if !failed[p.Name] {
					exitPod(t, c, p, 3)
					failed[p.Name] = true
				}
			}
			return jobCondition(t, c, "kite-fail", batchv1.JobFailed, "BackoffLimitExceeded")()
		})
		j, _ := c.BatchV1().Jobs("default").Get(ctx, "kite-fail", metav1.GetOptions{})
		if j.Status.Failed != 2 || len(failed) != 2 || j.Status.CompletionTime != nil {
			t.Errorf("%d pods failed; status %s", len(failed), toJSON(j.Status))
		}
		if !slices.ContainsFunc(j.Status.Conditions, func(c batchv1.JobCondition) bool { return c.Type == batchv1.JobFailureTarget }) {
			t.Errorf("no FailureTarget condition: %s", toJSON(j.Status.Conditions))
		}
		eventually(t, 20*time.Second, func() string {
			if ev := eventsOf(t, k, kc, "kite-fail"); !strings.Contains(ev, "BackoffLimitExceeded: Job has reached the specified backoff limit") {
				return "events:\n" + ev
			}
			return ""
		})
	})

	t.Run("pod failure policy", func(t *testing.T) {
		j := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-pfp"},
			Spec: batchv1.JobSpec{
				Completions: ptr.To[int32](2), Parallelism: ptr.To[int32](2),
				PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
					Action:      batchv1.PodFailurePolicyActionFailJob,
					OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}},
				}}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "main", Image: "kite.test/none:1"}}}},
			},
		}
		if _, err := c.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var victim string
		eventually(t, 20*time.Second, func() string {
			pods := running(jobPods(t, c, "kite-pfp"))
			if len(pods) != 2 {
				return fmt.Sprintf("%d pods", len(pods))
			}
			victim = pods[0].Name
			exitPod(t, c, pods[0], 42)
			return ""
		})
		eventually(t, 30*time.Second, jobCondition(t, c, "kite-pfp", batchv1.JobFailed, "PodFailurePolicy"))
		j, _ = c.BatchV1().Jobs("default").Get(ctx, "kite-pfp", metav1.GetOptions{})
		want := "Container main for pod default/" + victim + " failed with exit code 42 matching FailJob rule at index 0"
		for _, cond := range j.Status.Conditions {
			if cond.Type == batchv1.JobFailed && cond.Message != want {
				t.Errorf("Failed condition message %q, want %q", cond.Message, want)
			}
		}
		// The other pod was deleted and counted as failed with it.
		if j.Status.Failed != 2 || j.Status.Active != 0 || len(running(jobPods(t, c, "kite-pfp"))) != 0 {
			t.Errorf("status %s", toJSON(j.Status))
		}
	})

	t.Run("indexed", func(t *testing.T) {
		j := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-idx"},
			Spec: batchv1.JobSpec{
				Completions: ptr.To[int32](3), Parallelism: ptr.To[int32](3),
				CompletionMode: ptr.To(batchv1.IndexedCompletion),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Subdomain: "kite-workers",
					Containers: []corev1.Container{{Name: "w", Image: "kite.test/none:1"}}}},
			},
		}
		if _, err := c.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() string {
			if n := len(running(jobPods(t, c, "kite-idx"))); n != 3 {
				return fmt.Sprintf("%d pods running, want 3", n)
			}
			return ""
		})
		var indexes []string
		for _, p := range jobPods(t, c, "kite-idx") {
			ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
			indexes = append(indexes, ix)
			if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "kite-idx-"+ix || p.Spec.Subdomain != "kite-workers" {
				t.Errorf("pod %s: labels %v hostname %q subdomain %q", p.Name, p.Labels, p.Spec.Hostname, p.Spec.Subdomain)
			}
			if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" || env[0].ValueFrom == nil {
				t.Errorf("pod %s env %s", p.Name, toJSON(env))
			}
			if ix == "1" {
				exitPod(t, c, p, 0)
			}
		}
		slices.Sort(indexes)
		if !slices.Equal(indexes, []string{"0", "1", "2"}) {
			t.Errorf("indexes %v", indexes)
		}
		eventually(t, 20*time.Second, func() string {
			j, _ := c.BatchV1().Jobs("default").Get(ctx, "kite-idx", metav1.GetOptions{})
			if j.Status.CompletedIndexes != "1" || j.Status.Succeeded != 1 {
				return toJSON(j.Status)
			}
			return ""
		})
		for _, p := range running(jobPods(t, c, "kite-idx")) {
			exitPod(t, c, p, 0)
		}
		eventually(t, 30*time.Second, jobCondition(t, c, "kite-idx", batchv1.JobComplete, "CompletionsReached"))
		j, _ = c.BatchV1().Jobs("default").Get(ctx, "kite-idx", metav1.GetOptions{})
		if j.Status.CompletedIndexes != "0-2" {
			t.Errorf("completedIndexes %q", j.Status.CompletedIndexes)
		}
	})

	t.Run("suspend and resume", func(t *testing.T) {
		j := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-sus"},
			Spec: batchv1.JobSpec{Suspend: ptr.To(true), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "s", Image: "kite.test/none:1"}}}}},
		}
		if _, err := c.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, jobCondition(t, c, "kite-sus", batchv1.JobSuspended, "JobSuspended"))
		if n := len(jobPods(t, c, "kite-sus")); n != 0 {
			t.Fatalf("%d pods for a suspended job", n)
		}
		kubectl(t, k, kc, "patch", "job", "kite-sus", "--type=merge", "-p", `{"spec":{"suspend":false}}`)
		eventually(t, 20*time.Second, func() string {
			if n := len(running(jobPods(t, c, "kite-sus"))); n != 1 {
				return fmt.Sprintf("%d pods after resume", n)
			}
			return ""
		})
		// Suspending again deletes the running pod.
		kubectl(t, k, kc, "patch", "job", "kite-sus", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
		eventually(t, 20*time.Second, func() string {
			if msg := jobCondition(t, c, "kite-sus", batchv1.JobSuspended, "JobSuspended")(); msg != "" {
				return msg
			}
			if n := len(jobPods(t, c, "kite-sus")); n != 0 {
				return fmt.Sprintf("%d pods left after suspending", n)
			}
			return ""
		})
		eventually(t, 20*time.Second, func() string {
			ev := eventsOf(t, k, kc, "kite-sus")
			if !strings.Contains(ev, "Suspended: Job suspended") || !strings.Contains(ev, "Resumed: Job resumed") {
				return "events:\n" + ev
			}
			return ""
		})
	})

	t.Run("deleting a running job releases its pods", func(t *testing.T) {
		kubectl(t, k, kc, "create", "job", "kite-gone", "--image=kite.test/none:1")
		eventually(t, 20*time.Second, func() string {
			if n := len(running(jobPods(t, c, "kite-gone"))); n != 1 {
				return fmt.Sprintf("%d pods", len(running(jobPods(t, c, "kite-gone"))))
			}
			return ""
		})
		kubectl(t, k, kc, "delete", "job", "kite-gone")
		// The garbage collector deletes the pod; the tracking finalizer must not
		// keep it: the Job controller lets go of pods whose Job is gone.
		eventually(t, 30*time.Second, func() string {
			if pods := jobPods(t, c, "kite-gone"); len(pods) != 0 {
				return fmt.Sprintf("pods left: %s", toJSON(pods[0].ObjectMeta))
			}
			return ""
		})
	})

	t.Run("ttlSecondsAfterFinished", func(t *testing.T) {
		j := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "kite-ttl"},
			Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ptr.To[int32](1), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "t", Image: "kite.test/none:1"}}}}},
		}
		if _, err := c.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, func() string {
			pods := running(jobPods(t, c, "kite-ttl"))
			if len(pods) != 1 {
				return fmt.Sprintf("%d pods", len(pods))
			}
			exitPod(t, c, pods[0], 0)
			return ""
		})
		// Deleted with its pods (Background propagation through the garbage collector).
		eventually(t, 30*time.Second, func() string {
			_, err := c.BatchV1().Jobs("default").Get(ctx, "kite-ttl", metav1.GetOptions{})
			if err == nil {
				return "job still exists"
			}
			if n := len(jobPods(t, c, "kite-ttl")); n != 0 {
				return fmt.Sprintf("%d pods left", n)
			}
			return ""
		})
	})
}

func TestCronJobController(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	created := time.Now()
	kubectl(t, k, kc, "create", "cronjob", "kite-tick", "--image=kite.test/none:1", "--schedule=*/1 * * * *")

	// kubectl create job --from=cronjob is client-side: the Job it makes is owned by
	// the CronJob, and the Job controller runs it.
	kubectl(t, k, kc, "create", "job", "kite-manual", "--from=cronjob/kite-tick")
	manual, err := c.BatchV1().Jobs("default").Get(ctx, "kite-manual", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(manual); ref == nil || ref.Kind != "CronJob" || ref.Name != "kite-tick" ||
		manual.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" {
		t.Errorf("job from cronjob: %s", toJSON(manual.ObjectMeta))
	}
	eventually(t, 20*time.Second, func() string {
		if n := len(jobPods(t, c, "kite-manual")); n != 1 {
			return fmt.Sprintf("%d pods for the manual job", n)
		}
		return ""
	})

	// The schedule fires at the next minute.
	var fired *batchv1.Job
	eventually(t, 75*time.Second, func() string {
		jobs, err := c.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		for i, j := range jobs.Items {
			if strings.HasPrefix(j.Name, "kite-tick-") {
				fired = &jobs.Items[i]
				return ""
			}
		}
		return fmt.Sprintf("no scheduled job after %s", time.Since(created).Round(time.Second))
	})
	ts, err := time.Parse(time.RFC3339, fired.Annotations[batchv1.CronJobScheduledTimestampAnnotation])
	if err != nil {
		t.Fatalf("scheduled-timestamp: %v (%v)", err, fired.Annotations)
	}
	if want := fmt.Sprintf("kite-tick-%d", ts.Unix()/60); fired.Name != want || ts.Second() != 0 || ts.Before(created.Truncate(time.Minute)) {
		t.Errorf("job %s scheduled at %s, want name %s", fired.Name, ts, want)
	}
	if ref := metav1.GetControllerOf(fired); ref == nil || ref.Kind != "CronJob" || ref.Name != "kite-tick" {
		t.Errorf("scheduled job owner %v", fired.OwnerReferences)
	}
	eventually(t, 20*time.Second, func() string {
		cj, err := c.BatchV1().CronJobs("default").Get(ctx, "kite-tick", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if cj.Status.LastScheduleTime == nil || !cj.Status.LastScheduleTime.Time.Equal(ts) ||
			!slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.Name == fired.Name }) {
			return "status " + toJSON(cj.Status)
		}
		return ""
	})
	out := kubectl(t, k, kc, "get", "cronjob", "kite-tick")
	if rows := fields(out); len(rows) != 2 || !strings.Contains(out, "*/1 * * * *") || !strings.Contains(out, "False") {
		t.Errorf("kubectl get cronjob:\n%s", out)
	}
	eventually(t, 20*time.Second, func() string {
		if ev := eventsOf(t, k, kc, "kite-tick"); !strings.Contains(ev, "cronjob-controller SuccessfulCreate: Created job "+fired.Name) {
			return "events:\n" + ev
		}
		return ""
	})

	// Its pod succeeds: the job completes, and the CronJob sees it.
	eventually(t, 20*time.Second, func() string {
		pods := running(jobPods(t, c, fired.Name))
		if len(pods) != 1 {
			return fmt.Sprintf("%d pods for %s", len(pods), fired.Name)
		}
		exitPod(t, c, pods[0], 0)
		return ""
	})
	eventually(t, 30*time.Second, func() string {
		cj, err := c.BatchV1().CronJobs("default").Get(ctx, "kite-tick", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if cj.Status.LastSuccessfulTime == nil || slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.Name == fired.Name }) {
			return "status " + toJSON(cj.Status)
		}
		return ""
	})
	// Suspend so nothing more runs while the test cleans up.
	kubectl(t, k, kc, "patch", "cronjob", "kite-tick", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
}
