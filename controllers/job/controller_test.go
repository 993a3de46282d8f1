package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"kite/controllers/controllertest"
)

// newJob is a job as the API server would have defaulted it, with its generated
// selector and template labels.
func newJob(name string, completions, parallelism int32) *batchv1.Job {
	uid := types.UID("uid-" + name)
	lbl := map[string]string{batchv1.ControllerUidLabel: string(uid), batchv1.JobNameLabel: name, "controller-uid": string(uid), "job-name": name}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: uid},
		Spec: batchv1.JobSpec{
			Completions: &completions, Parallelism: &parallelism, BackoffLimit: ptr.To[int32](6),
			CompletionMode: ptr.To(batchv1.NonIndexedCompletion), Suspend: ptr.To(false),
			PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed), ManualSelector: ptr.To(false),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: string(uid)}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "main", Image: "busybox"}}},
			},
		},
	}
}

type harness struct {
	t      *testing.T
	client *fake.Clientset
}

// start runs the controller over a fake clientset; a reactor names generated pods
// as the API server would.
func start(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	n := 0
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" {
			n++
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, n)
			p.UID = types.UID("pod-uid-" + p.Name)
		}
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Jobs: f.Batch().V1().Jobs(), Pods: f.Core().V1().Pods()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return &harness{t: t, client: client}
}

func (h *harness) waitFor(what string, cond func() string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s: %s", what, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) job(name string) *batchv1.Job {
	j, err := h.client.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

// pods lists the job's pods in the given phase ("" for not yet terminated).
func (h *harness) pods(job string, phase corev1.PodPhase) []corev1.Pod {
	list, _ := h.client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Name == job && (p.Status.Phase == phase || phase == "" && !isTerminal(&p)) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (h *harness) podsAre(job string, phase corev1.PodPhase, n int) func() string {
	return func() string {
		if got := len(h.pods(job, phase)); got != n {
			return fmt.Sprintf("%d pods %q, want %d", got, phase, n)
		}
		return ""
	}
}

// finish plays the kubelet: the pod's container exits with code.
func (h *harness) finish(p corev1.Pod, code int32) {
	h.t.Helper()
	p.Status.Phase = corev1.PodSucceeded
	if code != 0 {
		p.Status.Phase = corev1.PodFailed
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, FinishedAt: metav1.Now()}}}}
	if _, err := h.client.CoreV1().Pods("default").UpdateStatus(context.Background(), &p, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) condition(job string, ct batchv1.JobConditionType, reason string) func() string {
	return func() string {
		j := h.job(job)
		if c := findCondition(j.Status.Conditions, ct); c == nil || c.Status != corev1.ConditionTrue || c.Reason != reason {
			return fmt.Sprintf("conditions %+v, status %+v", j.Status.Conditions, j.Status)
		}
		return ""
	}
}

func (h *harness) events(job string) []string {
	evs, _ := h.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
	var out []string
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == job {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

func (h *harness) hasEvent(job, want string) func() string {
	return func() string {
		evs := h.events(job)
		if !slices.Contains(evs, want) {
			return fmt.Sprintf("no event %q in %q", want, evs)
		}
		return ""
	}
}

func TestJobRunsCompletionsWithParallelism(t *testing.T) {
	h := start(t, newJob("pi", 3, 2))
	h.waitFor("2 running pods", h.podsAre("pi", "", 2))
	for _, p := range h.pods("pi", "") {
		if !hasFinalizer(&p) || p.Labels[batchv1.JobNameLabel] != "pi" || p.Labels["job-name"] != "pi" ||
			!strings.HasPrefix(p.Name, "pi-") || metav1.GetControllerOf(&p).Kind != "Job" {
			t.Errorf("pod %s: finalizers %v labels %v", p.Name, p.Finalizers, p.Labels)
		}
	}
	h.waitFor("startTime and active 2", func() string {
		j := h.job("pi")
		if j.Status.StartTime == nil || j.Status.Active != 2 || ptr.Deref(j.Status.Ready, -1) != 0 {
			return fmt.Sprintf("%+v", j.Status)
		}
		return ""
	})
	for _, p := range h.pods("pi", "") {
		h.finish(p, 0)
	}
	// Two done, one to go: only one more pod.
	h.waitFor("a third pod", h.podsAre("pi", "", 1))
	h.finish(h.pods("pi", "")[0], 0)
	h.waitFor("Complete", h.condition("pi", batchv1.JobComplete, batchv1.JobReasonCompletionsReached))
	j := h.job("pi")
	if j.Status.Succeeded != 3 || j.Status.Failed != 0 || j.Status.Active != 0 || j.Status.CompletionTime == nil ||
		findCondition(j.Status.Conditions, batchv1.JobSuccessCriteriaMet) == nil || len(j.Status.UncountedTerminatedPods.Succeeded) != 0 {
		t.Errorf("status %+v", j.Status)
	}
	for _, p := range h.pods("pi", corev1.PodSucceeded) {
		if hasFinalizer(&p) {
			t.Errorf("pod %s still has the tracking finalizer", p.Name)
		}
	}
	h.waitFor("events", h.hasEvent("pi", "Completed: Job completed"))
	if n := len(slices.DeleteFunc(h.events("pi"), func(e string) bool { return !strings.HasPrefix(e, "SuccessfulCreate: Created pod: pi-") })); n != 3 {
		t.Errorf("%d SuccessfulCreate events: %q", n, h.events("pi"))
	}
}

func TestJobFailsAtBackoffLimit(t *testing.T) {
	j := newJob("fail", 1, 1)
	j.Spec.BackoffLimit = ptr.To[int32](0)
	h := start(t, j)
	h.waitFor("a pod", h.podsAre("fail", "", 1))
	h.finish(h.pods("fail", "")[0], 1)
	h.waitFor("Failed", h.condition("fail", batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded))
	got := h.job("fail")
	if got.Status.Failed != 1 || findCondition(got.Status.Conditions, batchv1.JobFailureTarget) == nil || got.Status.CompletionTime != nil {
		t.Errorf("status %+v", got.Status)
	}
	h.waitFor("event", h.hasEvent("fail", "BackoffLimitExceeded: Job has reached the specified backoff limit"))
	if n := len(h.pods("fail", "")); n != 0 {
		t.Errorf("%d pods started after the failure", n)
	}
}

func TestJobPodFailurePolicyFailsJob(t *testing.T) {
	j := newJob("pfp", 2, 2)
	j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		Action:      batchv1.PodFailurePolicyActionFailJob,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}},
	}}}
	h := start(t, j)
	h.waitFor("2 pods", h.podsAre("pfp", "", 2))
	victim := h.pods("pfp", "")[0]
	h.finish(victim, 42)
	// The other pod is deleted; the fake clientset removes it at once.
	want := fmt.Sprintf("Container main for pod default/%s failed with exit code 42 matching FailJob rule at index 0", victim.Name)
	h.waitFor("Failed", func() string {
		if msg := h.condition("pfp", batchv1.JobFailed, batchv1.JobReasonPodFailurePolicy)(); msg != "" {
			return msg
		}
		if c := findCondition(h.job("pfp").Status.Conditions, batchv1.JobFailed); c.Message != want {
			return c.Message
		}
		return ""
	})
}

func TestJobIndexed(t *testing.T) {
	j := newJob("idx", 3, 3)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.Template.Spec.Subdomain = "svc"
	h := start(t, j)
	h.waitFor("3 pods", h.podsAre("idx", "", 3))
	seen := map[string]corev1.Pod{}
	for _, p := range h.pods("idx", "") {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		seen[ix] = p
		if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "idx-"+ix || p.Spec.Subdomain != "svc" ||
			!strings.HasPrefix(p.Name, "idx-"+ix+"-") || p.Spec.Containers[0].Env[0].Name != "JOB_COMPLETION_INDEX" {
			t.Errorf("pod %s: labels %v hostname %s env %v", p.Name, p.Labels, p.Spec.Hostname, p.Spec.Containers[0].Env)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("indexes %v", seen)
	}
	h.finish(seen["0"], 0)
	h.finish(seen["2"], 0)
	h.waitFor("completedIndexes 0,2", func() string {
		if got := h.job("idx").Status.CompletedIndexes; got != "0,2" {
			return got
		}
		return ""
	})
	// Index 1 fails once and is retried under the same index after the back-off.
	h.finish(seen["1"], 1)
	h.waitFor("failed 1", func() string {
		if st := h.job("idx").Status; st.Failed != 1 {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
}

func TestJobSuspendAndResume(t *testing.T) {
	j := newJob("sus", 2, 2)
	j.Spec.Suspend = ptr.To(true)
	h := start(t, j)
	h.waitFor("Suspended", h.condition("sus", batchv1.JobSuspended, "JobSuspended"))
	if n := len(h.pods("sus", "")); n != 0 || h.job("sus").Status.StartTime != nil {
		t.Fatalf("suspended job: %d pods, status %+v", n, h.job("sus").Status)
	}
	cur := h.job("sus")
	cur.Spec.Suspend = ptr.To(false)
	if _, err := h.client.BatchV1().Jobs("default").Update(context.Background(), cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("2 pods after resume", h.podsAre("sus", "", 2))
	h.waitFor("resumed", func() string {
		c := findCondition(h.job("sus").Status.Conditions, batchv1.JobSuspended)
		if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" || h.job("sus").Status.StartTime == nil {
			return fmt.Sprintf("%+v", h.job("sus").Status)
		}
		return ""
	})
	h.waitFor("events", h.hasEvent("sus", "Resumed: Job resumed"))
}

func TestJobActiveDeadline(t *testing.T) {
	j := newJob("late", 1, 1)
	j.Spec.ActiveDeadlineSeconds = ptr.To[int64](1)
	h := start(t, j)
	h.waitFor("DeadlineExceeded", h.condition("late", batchv1.JobFailed, batchv1.JobReasonDeadlineExceeded))
	h.waitFor("event", h.hasEvent("late", "DeadlineExceeded: Job was active longer than specified deadline"))
}

func TestJobTTLAfterFinished(t *testing.T) {
	j := newJob("ttl", 1, 1)
	j.Spec.TTLSecondsAfterFinished = ptr.To[int32](0)
	h := start(t, j)
	h.waitFor("a pod", h.podsAre("ttl", "", 1))
	h.finish(h.pods("ttl", "")[0], 0)
	h.waitFor("deleted", func() string {
		_, err := h.client.BatchV1().Jobs("default").Get(context.Background(), "ttl", metav1.GetOptions{})
		if err == nil {
			return "job still there"
		}
		return ""
	})
	for _, a := range h.client.Actions() {
		if d, ok := a.(clienttesting.DeleteAction); ok && d.GetResource().Resource == "jobs" {
			if pp := d.GetDeleteOptions().PropagationPolicy; pp == nil || *pp != metav1.DeletePropagationBackground {
				t.Errorf("deleted with propagation %v", pp)
			}
		}
	}
}

func TestJobWorkQueueCompletesWhenAllPodsEnd(t *testing.T) {
	j := newJob("queue", 0, 2)
	j.Spec.Completions = nil
	h := start(t, j)
	h.waitFor("2 pods", h.podsAre("queue", "", 2))
	pods := h.pods("queue", "")
	h.finish(pods[0], 0)
	h.waitFor("succeeded 1", func() string {
		if st := h.job("queue").Status; st.Succeeded != 1 || st.Active != 1 {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
	// One success: no new pods, and not complete while the other runs.
	if n := len(h.pods("queue", "")); n != 1 || finishedCondition(h.job("queue")) != nil {
		t.Fatalf("%d running, conditions %+v", n, h.job("queue").Status.Conditions)
	}
	h.finish(pods[1], 0)
	h.waitFor("Complete", h.condition("queue", batchv1.JobComplete, batchv1.JobReasonCompletionsReached))
}

func TestJobBackoffLimitPerIndex(t *testing.T) {
	j := newJob("per", 3, 3)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](0)
	j.Spec.BackoffLimit = ptr.To[int32](1 << 30)
	j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
	h := start(t, j)
	h.waitFor("3 pods", h.podsAre("per", "", 3))
	for _, p := range h.pods("per", "") {
		if p.Annotations[batchv1.JobIndexFailureCountAnnotation] != "0" {
			t.Errorf("pod %s annotations %v", p.Name, p.Annotations)
		}
		code := int32(0)
		if p.Annotations[batchv1.JobCompletionIndexAnnotation] == "1" {
			code = 1
		}
		h.finish(p, code)
	}
	// Index 1 used up its retries; the others succeeded: the job fails.
	h.waitFor("Failed", h.condition("per", batchv1.JobFailed, batchv1.JobReasonFailedIndexes))
	st := h.job("per").Status
	if ptr.Deref(st.FailedIndexes, "") != "1" || st.CompletedIndexes != "0,2" || st.Failed != 1 || st.Succeeded != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestJobSuccessPolicy(t *testing.T) {
	j := newJob("leader", 3, 3)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0")}}}
	h := start(t, j)
	h.waitFor("3 pods", h.podsAre("leader", "", 3))
	for _, p := range h.pods("leader", "") {
		if p.Annotations[batchv1.JobCompletionIndexAnnotation] == "0" {
			h.finish(p, 0)
		}
	}
	h.waitFor("Complete", h.condition("leader", batchv1.JobComplete, batchv1.JobReasonSuccessPolicy))
	st := h.job("leader").Status
	c := findCondition(st.Conditions, batchv1.JobSuccessCriteriaMet)
	if c == nil || c.Message != "Matched rules at index 0" || st.CompletedIndexes != "0" || len(h.pods("leader", "")) != 0 {
		t.Errorf("status %+v, %d pods left", st, len(h.pods("leader", "")))
	}
}

func TestJobReleasesOrphanedPods(t *testing.T) {
	// A pod still holding the tracking finalizer whose Job is gone (deleted while it
	// ran): nothing else would ever let it be deleted.
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "left", Namespace: "default", UID: "left-uid",
		Finalizers:      []string{batchv1.JobTrackingFinalizer, "example.com/keep"},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "gone", UID: "gone-uid", Controller: ptr.To(true)}},
	}}
	h := start(t, orphan)
	h.waitFor("finalizer removed", func() string {
		p, err := h.client.CoreV1().Pods("default").Get(context.Background(), "left", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if !slices.Equal(p.Finalizers, []string{"example.com/keep"}) {
			return fmt.Sprintf("finalizers %v", p.Finalizers)
		}
		return ""
	})
}

func TestStaleCacheIsNotActedOn(t *testing.T) {
	c := &Controller{written: map[string]uint64{}}
	at := func(rv string) *batchv1.Job { return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv}} }
	if c.stale("ns/a", at("5")) {
		t.Error("stale before any write")
	}
	c.wrote("ns/a", at("10"))
	c.wrote("ns/a", at("8")) // an older write reported late does not lower the mark
	for rv, want := range map[string]bool{"9": true, "10": false, "11": false, "opaque": false} {
		if got := c.stale("ns/a", at(rv)); got != want {
			t.Errorf("stale(%s) = %v, want %v", rv, got, want)
		}
	}
	if c.stale("ns/b", at("1")) {
		t.Error("another job is stale")
	}
}

func TestJobAdoptsMatchingOrphans(t *testing.T) {
	j := newJob("adopt", 1, 1)
	stray := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: "default", UID: "stray-uid",
		Labels: j.Spec.Template.Labels, Finalizers: []string{"example.com/keep"}}}
	h := start(t, j, stray)
	h.waitFor("adopted", func() string {
		p, err := h.client.CoreV1().Pods("default").Get(context.Background(), "stray", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != j.UID || !hasFinalizer(p) || !slices.Contains(p.Finalizers, "example.com/keep") {
			return fmt.Sprintf("owners %v finalizers %v", p.OwnerReferences, p.Finalizers)
		}
		return ""
	})
	// The adopted pod counts: no second pod for a one-pod job.
	h.waitFor("active 1", func() string {
		if st := h.job("adopt").Status; st.Active != 1 {
			return fmt.Sprintf("%+v", st)
		}
		return ""
	})
	if n := len(h.pods("adopt", "")); n != 1 {
		t.Errorf("%d pods", n)
	}
}
