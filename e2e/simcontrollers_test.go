package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The controllers and the scheduler against the real server with simulated nodes
// (`--simulated-nodes`): what a user sees of a rollout, a failing Job, cascading and
// namespace deletion and an unschedulable pod when a node runs the pods. The simulated
// nodes report every pod bound to them Running and Ready at once (or terminated, with
// the exit code the pod's kite.dev/simulated-exit-code annotation asks for), and finish
// graceful deletions as a kubelet does.

// simNodes waits until the server's n simulated nodes are registered and Ready, and
// returns their names, kite-sim-0 first.
func simNodes(t *testing.T, c kubernetes.Interface, n int) []string {
	t.Helper()
	var names []string
	eventually(t, 60*time.Second, func() string {
		list, err := c.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: "type=kite-simulated"})
		if err != nil {
			return err.Error()
		}
		names = names[:0]
		for _, node := range list.Items {
			for _, cond := range node.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && node.Spec.PodCIDR != "" {
					names = append(names, node.Name)
				}
			}
		}
		if len(names) != n {
			return fmt.Sprintf("%d of %d simulated nodes ready with a pod range", len(names), n)
		}
		return ""
	})
	slices.Sort(names)
	return names
}

// TestSimulatedRolloutHonoursMaxUnavailable rolls a Deployment of 10 from image A to B
// and back with `kubectl rollout undo`, with maxSurge 2 and maxUnavailable 3, and checks
// at every change of its pods and ReplicaSets that at least 10-3 pods are available and
// that the ReplicaSets ask for at most 10+2 pods.
func TestSimulatedRolloutHonoursMaxUnavailable(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const replicas, surge, unavailable = 10, 2, 3
	kubectl(t, k, kc, "apply", "-f", workload{Kind: "Deployment", Name: "kite-roll", Replicas: replicas, Container: "web", Image: "kite.test/web:a",
		Spec: []string{"strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 2, maxUnavailable: 3}}"}}.manifest(t))
	deployRolloutStatus(t, k, kc, "kite-roll")

	// bounded checks one rollout's figures. The pods count as available when ready:
	// the Deployment has no minReadySeconds.
	bounded := func(what string, w *deployRolloutWatch) {
		t.Helper()
		minReady, maxSize, maxPods, both, _ := w.figures()
		t.Logf("%s: at least %d pods available, at most %d replicas asked for, at most %d pods at once, %d changes with two live replica sets",
			what, minReady, maxSize, maxPods, both)
		if minReady < replicas-unavailable {
			t.Errorf("%s: %d pods available at one point, fewer than replicas-maxUnavailable = %d", what, minReady, replicas-unavailable)
		}
		// Upstream takes the unavailability it is allowed: old pods go before new ones
		// are ready. A rollout that never did was not bounded by maxUnavailable.
		if minReady >= replicas {
			t.Errorf("%s: never fewer than %d pods available: the rollout did not use its maxUnavailable of %d", what, minReady, unavailable)
		}
		if maxSize > replicas+surge {
			t.Errorf("%s: the replica sets asked for %d replicas at one point, more than replicas+maxSurge = %d: %s", what, maxSize, replicas+surge, w.sizeStory())
		}
		if both == 0 {
			t.Errorf("%s: never saw two replica sets with replicas: not a rolling update", what)
		}
		if t.Failed() {
			t.Logf("the Deployment's events:\n%s", eventsOf(t, k, kc, "kite-roll"))
		}
	}
	// images waits until the Deployment's live pods all run image, one per replica.
	images := func(image string) {
		t.Helper()
		eventually(t, 30*time.Second, func() string {
			pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-roll"})
			if err != nil {
				return err.Error()
			}
			n := 0
			for _, p := range pods.Items {
				if p.Spec.Containers[0].Image != image {
					return "pod " + p.Name + " runs " + p.Spec.Containers[0].Image
				}
				if podReady(&p) {
					n++
				}
			}
			if n != replicas {
				return fmt.Sprintf("%d of %d pods of %s ready", n, replicas, image)
			}
			return ""
		})
	}

	w := deployWatchRollout(t, c, "default", "kite-roll", "app=kite-roll")
	kubectl(t, k, kc, "set", "image", "deployment/kite-roll", "web=kite.test/web:b")
	deployRolloutStatus(t, k, kc, "kite-roll")
	images("kite.test/web:b")
	bounded("A to B", w)

	w.reset()
	if out := kubectl(t, k, kc, "rollout", "undo", "deployment/kite-roll"); !strings.Contains(out, "rolled back") {
		t.Errorf("kubectl rollout undo: %q", out)
	}
	deployRolloutStatus(t, k, kc, "kite-roll")
	images("kite.test/web:a")
	bounded("undo to A", w)
	d, err := c.AppsV1().Deployments("default").Get(ctx, "kite-roll", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rev := d.Annotations["deployment.kubernetes.io/revision"]; rev != "3" || d.Status.AvailableReplicas != replicas || d.Status.UpdatedReplicas != replicas {
		t.Errorf("after undo: revision %q, status %s", rev, toJSON(d.Status))
	}
}

// TestSimulatedJobBackoffLimit runs a Job whose pods fail (exit code 3) until it
// reaches its backoffLimit of 1: two pods, the second after the 10 s back-off.
func TestSimulatedJobBackoffLimit(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "job.yaml", `apiVersion: batch/v1
kind: Job
metadata:
  name: kite-crash
spec:
  backoffLimit: 1
  template:
    metadata:
      annotations: {kite.dev/simulated-exit-code: "3"}
    spec:
      restartPolicy: Never
      containers:
      - name: crash
        image: kite.test/none:1
`))
	eventually(t, 60*time.Second, jobCondition(t, c, "kite-crash", batchv1.JobFailed, "BackoffLimitExceeded"))
	j, err := c.BatchV1().Jobs("default").Get(ctx, "kite-crash", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status.Failed != 2 || j.Status.Succeeded != 0 || j.Status.Active != 0 || j.Status.CompletionTime != nil {
		t.Errorf("status %s", toJSON(j.Status))
	}
	pods := jobPods(t, c, "kite-crash")
	if len(pods) != 2 {
		t.Fatalf("%d pods, want 2", len(pods))
	}
	for _, p := range pods {
		cs := p.Status.ContainerStatuses
		if p.Status.Phase != corev1.PodFailed || len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.ExitCode != 3 {
			t.Errorf("pod %s: phase %s, containers %s", p.Name, p.Status.Phase, toJSON(cs))
		}
	}
	// The replacement waits out the back-off after the first failure (timestamps have
	// second precision: allow the second they were truncated in).
	if first := pods[0].Status.ContainerStatuses; len(first) == 1 && first[0].State.Terminated != nil {
		if gap := pods[1].CreationTimestamp.Sub(first[0].State.Terminated.FinishedAt.Time); gap < 9*time.Second {
			t.Errorf("second pod created %s after the first failed, within the 10s back-off", gap)
		}
	}
	if out := kubectl(t, k, kc, "get", "job", "kite-crash"); !strings.Contains(out, "Failed") {
		t.Errorf("kubectl get job:\n%s", out)
	}
	eventually(t, 20*time.Second, func() string {
		if ev := eventsOf(t, k, kc, "kite-crash"); !strings.Contains(ev, "job-controller BackoffLimitExceeded: Job has reached the specified backoff limit") {
			return "events:\n" + ev
		}
		return ""
	})
}

// simDeployment creates a Deployment of n pause pods labelled app=name in ns and waits
// until it is available; it returns its ReplicaSet.
func simDeployment(t *testing.T, k, kc string, c kubernetes.Interface, ns, name string, n int) *appsv1.ReplicaSet {
	t.Helper()
	kubectl(t, k, kc, "-n", ns, "create", "deployment", name, "--image=kite.test/pause:1", fmt.Sprintf("--replicas=%d", n))
	out := kubectl(t, k, kc, "-n", ns, "rollout", "status", "deployment/"+name, "--timeout=60s")
	if !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status of %s: %q", name, out)
	}
	rss, err := c.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil || len(rss.Items) != 1 {
		t.Fatalf("replica sets of %s: %v %v", name, rss, err)
	}
	return &rss.Items[0]
}

// TestSimulatedCascadingDeletion deletes Deployments with running pods with `kubectl
// delete --cascade=` background, foreground and orphan.
func TestSimulatedCascadingDeletion(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "default"
	// left lists what is left of app: its Deployment, ReplicaSets and pods.
	left := func(app string) (d []string, rs []appsv1.ReplicaSet, pods []corev1.Pod) {
		t.Helper()
		if _, err := c.AppsV1().Deployments(ns).Get(ctx, app, metav1.GetOptions{}); err == nil {
			d = append(d, app)
		} else if !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		rsl, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			t.Fatal(err)
		}
		return d, rsl.Items, pl.Items
	}
	for _, app := range []string{"kite-bg", "kite-fg", "kite-or"} {
		simDeployment(t, k, kc, c, ns, app, 3)
	}

	t.Run("background", func(t *testing.T) {
		kubectl(t, k, kc, "delete", "deployment", "kite-bg", "--cascade=background")
		eventually(t, 30*time.Second, func() string {
			d, rs, pods := left("kite-bg")
			if len(d)+len(rs)+len(pods) != 0 {
				return fmt.Sprintf("left: deployment %v, %d replica sets, %d pods", d, len(rs), len(pods))
			}
			return ""
		})
	})

	t.Run("foreground", func(t *testing.T) {
		// kubectl waits for the Deployment to be gone, and in the foreground it goes
		// only after its ReplicaSet, which goes only after its pods.
		kubectl(t, k, kc, "delete", "deployment", "kite-fg", "--cascade=foreground", "--timeout=60s")
		if d, rs, pods := left("kite-fg"); len(d)+len(rs)+len(pods) != 0 {
			t.Errorf("when kubectl delete --cascade=foreground returned: deployment %v, %d replica sets, %d pods left", d, len(rs), len(pods))
		}
	})

	t.Run("orphan", func(t *testing.T) {
		kubectl(t, k, kc, "delete", "deployment", "kite-or", "--cascade=orphan", "--timeout=60s")
		// The ReplicaSet stays without an owner and keeps its pods running.
		eventually(t, 30*time.Second, func() string {
			d, rs, pods := left("kite-or")
			if len(d) != 0 || len(rs) != 1 || len(rs[0].OwnerReferences) != 0 {
				return fmt.Sprintf("deployment %v, replica sets %s", d, toJSON(rs))
			}
			ready := 0
			for _, p := range pods {
				if ref := metav1.GetControllerOf(&p); podReady(&p) && ref != nil && ref.Kind == "ReplicaSet" && ref.Name == rs[0].Name {
					ready++
				}
			}
			if len(pods) != 3 || ready != 3 {
				return fmt.Sprintf("%d pods, %d of them ready and the orphaned replica set's", len(pods), ready)
			}
			return ""
		})
		// The orphans are still managed: a deleted pod is replaced.
		_, rs, pods := left("kite-or")
		kubectl(t, k, kc, "delete", "pod", pods[0].Name)
		eventually(t, 30*time.Second, func() string {
			_, _, now := left("kite-or")
			ready := 0
			for _, p := range now {
				if p.Name == pods[0].Name {
					return "the deleted pod is still there"
				}
				if podReady(&p) {
					ready++
				}
			}
			if ready != 3 {
				return fmt.Sprintf("%d pods of %s ready", ready, rs[0].Name)
			}
			return ""
		})
	})
}

// TestSimulatedNamespaceDeletion deletes a namespace with running workloads in it and
// checks that nothing namespaced is left in it.
func TestSimulatedNamespaceDeletion(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-doomed"
	kubectl(t, k, kc, "create", "namespace", ns)
	simDeployment(t, k, kc, c, ns, "web", 3)
	kubectl(t, k, kc, "-n", ns, "expose", "deployment", "web", "--port=80")
	kubectl(t, k, kc, "-n", ns, "create", "configmap", "settings", "--from-literal=a=1")
	kubectl(t, k, kc, "-n", ns, "create", "secret", "generic", "token", "--from-literal=t=x")
	kubectl(t, k, kc, "-n", ns, "create", "job", "once", "--image=kite.test/none:1")
	kubectl(t, k, kc, "-n", ns, "create", "cronjob", "tick", "--image=kite.test/none:1", "--schedule=0 0 1 1 *")
	kubectl(t, k, kc, "-n", ns, "create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1")
	eventually(t, 30*time.Second, func() string {
		l, err := c.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=web"})
		if err != nil || len(l.Items) != 1 || len(l.Items[0].Endpoints) != 3 {
			return fmt.Sprintf("endpoint slices of web: %v %v", l, err)
		}
		return ""
	})
	eventually(t, 30*time.Second, func() string {
		l, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=once"})
		if err != nil || len(l.Items) != 1 || !podReady(&l.Items[0]) {
			return fmt.Sprintf("the job's pod: %v %v", l, err)
		}
		return ""
	})

	// Every namespaced resource a user can list, as kubectl finds them in discovery.
	var kinds []string
	for _, r := range strings.Fields(kubectl(t, k, kc, "api-resources", "--namespaced=true", "--verbs=list", "-o", "name")) {
		// Events record the deletion itself; kubectl lists them under two groups.
		if r != "events" && r != "events.events.k8s.io" {
			kinds = append(kinds, r)
		}
	}
	if !slices.Contains(kinds, "pods") || !slices.Contains(kinds, "replicasets.apps") {
		t.Fatalf("kubectl api-resources --namespaced: %v", kinds)
	}
	all := strings.Join(kinds, ",")
	if out := kubectl(t, k, kc, "-n", ns, "get", all, "-o", "name"); !strings.Contains(out, "pod/web-") || !strings.Contains(out, "job.batch/once") {
		t.Fatalf("the namespace before deletion:\n%s", out)
	}

	start := time.Now()
	kubectl(t, k, kc, "delete", "namespace", ns, "--timeout=90s")
	t.Logf("kubectl delete namespace returned after %s", time.Since(start).Round(time.Millisecond))
	if _, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace after kubectl delete: %v, want NotFound", err)
	}
	if out := kubectl(t, k, kc, "-n", ns, "get", all, "-o", "name"); out != "" {
		t.Errorf("left in the deleted namespace:\n%s", out)
	}
}

// TestSimulatedPodFitsNowhere asks for more CPU than any simulated node has (32): the
// pod stays Pending with upstream's message, as `kubectl describe` shows it. No node
// could take it even empty, so preemption is not tried (upstream's Unresolvable).
func TestSimulatedPodFitsNowhere(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	simNodes(t, c, 2)
	kubectl(t, k, kc, "run", "kite-huge", "--image=kite.test/none:1", "--overrides",
		`{"spec":{"containers":[{"name":"kite-huge","image":"kite.test/none:1","resources":{"requests":{"cpu":"64"}}}]}}`)
	const want = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
	eventually(t, 30*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(ctx, "kite-huge", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable && cond.Message == want {
				return ""
			}
		}
		return "conditions " + toJSON(p.Status.Conditions)
	})
	if p, err := c.CoreV1().Pods("default").Get(ctx, "kite-huge", metav1.GetOptions{}); err != nil || p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
		t.Errorf("pod that fits nowhere: %v %v", p, err)
	}
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "describe", "pod", "kite-huge")
		if !strings.Contains(out, "FailedScheduling") || !strings.Contains(out, want) {
			return "kubectl describe pod:\n" + out
		}
		return ""
	})
}
