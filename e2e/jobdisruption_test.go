package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Evictions through pods/eviction and Jobs' pod failure policies, on a simulated node
// (`kite server --simulated-nodes 1`, no containers): an evicted pod carries
// DisruptionTarget=True and ends Failed, and a Job whose policy ignores that condition
// replaces its evicted pods without counting them, as upstream.

// simulatedExitCode is the annotation that makes a simulated node's pod exit.
const simulatedExitCode = "kite.dev/simulated-exit-code"

func TestEvictedPodIsMarkedDisruptionTarget(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// A pod that a finalizer keeps, so what the eviction did can be read.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-evicted", Namespace: "default", Finalizers: []string{"kite.dev/e2e-hold"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releasePod(c, "default", "kite-evicted") })
	eventually(t, 90*time.Second, func() string {
		if out := kubectl(t, k, kc, "get", "pod", "kite-evicted", "-o", "jsonpath={.status.phase}"); out != "Running" {
			return "phase " + out
		}
		return ""
	})
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "kite-evicted", Namespace: "default"}}
	if err := c.CoreV1().Pods("default").EvictV1(ctx, ev); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pod", "kite-evicted", "-o",
			`jsonpath={.status.phase} {.status.conditions[?(@.type=="DisruptionTarget")].status} {.status.conditions[?(@.type=="DisruptionTarget")].reason} {.status.containerStatuses[0].state.terminated.exitCode}`)
		if out != "Failed True EvictionByEvictionAPI 137" {
			return "phase, DisruptionTarget, reason, exit code: " + out
		}
		return ""
	})
	releasePod(c, "default", "kite-evicted")
	eventually(t, 30*time.Second, func() string {
		if out := kubectl(t, k, kc, "get", "pods", "--field-selector", "metadata.name=kite-evicted", "-o", "name"); out != "" {
			return "still there: " + out
		}
		return ""
	})
}

// releasePod removes the test's finalizer; the pod, deleted already, then goes.
func releasePod(c kubernetes.Interface, ns, name string) {
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	_, _ = c.CoreV1().Pods(ns).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{})
}

func TestJobIgnoresEvictedPodsByPodFailurePolicy(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	jobs := c.BatchV1().Jobs("default")

	// backoffLimit 0: one counted failure fails the Job. "ignoring" ignores
	// evictions; "counting" has a policy that does not match them.
	newJob := func(name string, rule batchv1.PodFailurePolicyRule) *batchv1.Job {
		return &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: batchv1.JobSpec{
				Parallelism: ptr.To[int32](2), Completions: ptr.To[int32](2), BackoffLimit: ptr.To[int32](0),
				CompletionMode:   ptr.To(batchv1.IndexedCompletion),
				PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{rule}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}},
				}},
			},
		}
	}
	ignoring := newJob("kite-ignoring", batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionIgnore,
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}})
	counting := newJob("kite-counting", batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionIgnore,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}})
	for _, j := range []*batchv1.Job{ignoring, counting} {
		if _, err := jobs.Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Both get their two pods ready, as the conformance spec waits for.
	for _, name := range []string{"kite-ignoring", "kite-counting"} {
		eventually(t, 90*time.Second, func() string {
			if out := kubectl(t, k, kc, "get", "job", name, "-o", "jsonpath={.status.ready}"); out != "2" {
				return name + " ready: " + out
			}
			return ""
		})
	}
	evictAll := func(job string) map[types.UID]bool {
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) != 2 {
			t.Fatalf("job %s has %d pods, want 2", job, len(pods.Items))
		}
		evicted := map[types.UID]bool{}
		for _, p := range pods.Items {
			ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}}
			if err := c.CoreV1().Pods("default").EvictV1(ctx, ev); err != nil {
				t.Fatalf("evicting %s: %v", p.Name, err)
			}
			evicted[p.UID] = true
		}
		return evicted
	}
	evicted := evictAll("kite-ignoring")
	evictAll("kite-counting")

	// The counted evictions fail their Job at once.
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "job", "kite-counting", "-o",
			`jsonpath={.status.conditions[?(@.type=="Failed")].reason} {.status.failed}`)
		if !strings.HasPrefix(out, "BackoffLimitExceeded ") || out == "BackoffLimitExceeded 0" {
			return "kite-counting: " + out
		}
		return ""
	})

	// The ignored ones are replaced, one new pod per index, and not counted.
	var fresh []corev1.Pod
	eventually(t, 60*time.Second, func() string {
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=kite-ignoring"})
		if err != nil {
			return err.Error()
		}
		fresh = nil
		indexes := map[string]bool{}
		for _, p := range pods.Items {
			if evicted[p.UID] {
				return "evicted pod " + p.Name + " still there"
			}
			if p.DeletionTimestamp == nil {
				fresh = append(fresh, p)
				indexes[p.Annotations[batchv1.JobCompletionIndexAnnotation]] = true
			}
		}
		if len(fresh) != 2 || !indexes["0"] || !indexes["1"] {
			return fmt.Sprintf("%d replacement pods for indexes %v", len(fresh), indexes)
		}
		return ""
	})
	j, err := jobs.Get(ctx, "kite-ignoring", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status.Failed != 0 || len(j.Status.Conditions) != 0 {
		t.Fatalf("kite-ignoring after its evictions: failed %d, conditions %+v", j.Status.Failed, j.Status.Conditions)
	}

	// The replacements succeed (the simulated containers exit 0): the Job completes.
	for _, p := range fresh {
		patch := []byte(`{"metadata":{"annotations":{"` + simulatedExitCode + `":"0"}}}`)
		if _, err := c.CoreV1().Pods("default").Patch(ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kubectl(t, k, kc, "wait", "--for=condition=Complete", "job/kite-ignoring", "--timeout=60s")
	if out := kubectl(t, k, kc, "get", "job", "kite-ignoring", "-o", "jsonpath={.status.succeeded} {.status.failed}"); out != "2 " && out != "2 0" {
		t.Fatalf("kite-ignoring succeeded/failed: %q", out)
	}
}
