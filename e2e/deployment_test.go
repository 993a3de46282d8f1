package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// The Deployment controller through stock kubectl: rollouts, their bounds, history,
// undo, pause and resume, restart, and Recreate. The server runs simulated nodes
// (`--simulated-nodes`), which run the pods the scheduler binds to them: Running and
// Ready at once, and a deleted pod finished as a kubelet finishes it.

// deploySimNodes is how many simulated nodes the Deployment tests run on.
const deploySimNodes = "2"

func deployPodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deployRolloutWatch sees every change of a Deployment's pods and ReplicaSets (through
// informers, so no step is missed) and checks the bounds a rollout keeps.
type deployRolloutWatch struct {
	mu sync.Mutex
	// minReady is the least ready pods seen once checking began, maxSize the most
	// replicas the ReplicaSets asked for in all, maxPods the most pods at once.
	minReady, maxSize, maxPods int
	// both counts the changes seen while two ReplicaSets had replicas: the rollout
	// went step by step.
	both int
	// mixed counts the changes seen while pods of two templates existed together.
	mixed int
	// atMaxSize is the ReplicaSets' replicas when maxSize was reached, to tell a
	// failure's story.
	atMaxSize  string
	stop       func()
	podStore   cache.Store
	rsStore    cache.Store
	selector   labels.Selector
	ns, deploy string
}

func deployWatchRollout(t *testing.T, c kubernetes.Interface, ns, deploy, selector string) *deployRolloutWatch {
	t.Helper()
	sel, err := labels.Parse(selector)
	if err != nil {
		t.Fatal(err)
	}
	w := &deployRolloutWatch{minReady: 1 << 30, selector: sel, ns: ns, deploy: deploy}
	f := informers.NewSharedInformerFactoryWithOptions(c, 0, informers.WithNamespace(ns))
	podInf, rsInf := f.Core().V1().Pods().Informer(), f.Apps().V1().ReplicaSets().Informer()
	w.podStore, w.rsStore = podInf.GetStore(), rsInf.GetStore()
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.observe() },
		UpdateFunc: func(any, any) { w.observe() },
		DeleteFunc: func(any) { w.observe() },
	}
	if _, err := podInf.AddEventHandler(h); err != nil {
		t.Fatal(err)
	}
	if _, err := rsInf.AddEventHandler(h); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	w.stop = func() { cancel(); f.Shutdown() }
	t.Cleanup(w.stop)
	w.reset()
	return w
}

// reset starts a new measurement from now.
func (w *deployRolloutWatch) reset() {
	w.mu.Lock()
	w.minReady, w.maxSize, w.maxPods, w.both, w.mixed, w.atMaxSize = 1<<30, 0, 0, 0, 0, ""
	w.mu.Unlock()
	w.observe()
}

func (w *deployRolloutWatch) observe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	ready, pods := 0, 0
	templates := map[string]bool{}
	for _, o := range w.podStore.List() {
		p := o.(*corev1.Pod)
		if p.DeletionTimestamp != nil || !w.selector.Matches(labels.Set(p.Labels)) {
			continue
		}
		pods++
		templates[p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]] = true
		if deployPodReady(p) {
			ready++
		}
	}
	size, live := 0, 0
	var sets []string
	for _, o := range w.rsStore.List() {
		rs := o.(*appsv1.ReplicaSet)
		if ref := metav1.GetControllerOf(rs); ref == nil || ref.Name != w.deploy || rs.Spec.Replicas == nil {
			continue
		}
		size += int(*rs.Spec.Replicas)
		if *rs.Spec.Replicas > 0 {
			live++
		}
		sets = append(sets, fmt.Sprintf("%s(rv %s): %d replicas, %d available", rs.Name, rs.ResourceVersion, *rs.Spec.Replicas, rs.Status.AvailableReplicas))
	}
	w.minReady = min(w.minReady, ready)
	if size > w.maxSize {
		w.maxSize, w.atMaxSize = size, strings.Join(sets, "; ")
	}
	w.maxPods = max(w.maxPods, pods)
	if live > 1 {
		w.both++
	}
	if len(templates) > 1 {
		w.mixed++
	}
}

func (w *deployRolloutWatch) figures() (minReady, maxSize, maxPods, both, mixed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.minReady, w.maxSize, w.maxPods, w.both, w.mixed
}

// sizeStory says what the ReplicaSets asked for when they asked for the most.
func (w *deployRolloutWatch) sizeStory() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.atMaxSize
}

// rolloutStatus runs `kubectl rollout status` until the rollout is complete.
func deployRolloutStatus(t *testing.T, k, kc, deploy string) {
	t.Helper()
	out := kubectl(t, k, kc, "rollout", "status", "deployment/"+deploy, "--timeout=90s")
	if !strings.Contains(out, `deployment "`+deploy+`" successfully rolled out`) {
		t.Fatalf("kubectl rollout status: %q", out)
	}
}

// deployImage is the image the Deployment's template runs now.
func deployImage(t *testing.T, c kubernetes.Interface, name string) string {
	t.Helper()
	d, err := c.AppsV1().Deployments("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

func deployManifest(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// workload is an apps/v1 workload for kubectl apply: Replicas pods labelled
// app=<Name>, each of one container.
type workload struct {
	Kind, Name       string
	Replicas         int
	Container, Image string
	// Annotations is a YAML flow mapping of the metadata's annotations, if any.
	Annotations string
	// Spec holds more fields of the spec, one "key: value" each.
	Spec []string
}

// manifest writes w as YAML and returns the file's path.
func (w workload) manifest(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: %s\n", w.Kind, w.Name)
	if w.Annotations != "" {
		fmt.Fprintf(&b, "  annotations: %s\n", w.Annotations)
	}
	fmt.Fprintf(&b, "spec:\n  replicas: %d\n", w.Replicas)
	for _, line := range w.Spec {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	fmt.Fprintf(&b, "  selector:\n    matchLabels: {app: %s}\n  template:\n    metadata:\n      labels: {app: %s}\n", w.Name, w.Name)
	fmt.Fprintf(&b, "    spec:\n      containers:\n      - name: %s\n        image: %s\n", w.Container, w.Image)
	return deployManifest(t, b.String())
}

func TestDeploymentRollingUpdate(t *testing.T) {
	p, kc := apiServer(t, "--simulated-nodes", deploySimNodes)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	// Three replicas with the default 25% surge and unavailability: one pod above
	// three at most (rounded up), none below (rounded down).
	const replicas, surge, unavailable = 3, 1, 0
	kubectl(t, k, kc, "apply", "-f", workload{Kind: "Deployment", Name: "kite-web", Replicas: 3, Container: "web", Image: "kite.test/web:1",
		Annotations: "{kubernetes.io/change-cause: kite v1}"}.manifest(t))
	deployRolloutStatus(t, k, kc, "kite-web")
	eventually(t, 30*time.Second, func() string {
		d, err := c.AppsV1().Deployments("default").Get(ctx, "kite-web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		st := d.Status
		if st.ReadyReplicas != replicas || st.AvailableReplicas != replicas || st.UpdatedReplicas != replicas ||
			st.ObservedGeneration != d.Generation || d.Annotations["deployment.kubernetes.io/revision"] != "1" {
			return "status " + toJSON(st) + " annotations " + toJSON(d.Annotations)
		}
		conds := map[appsv1.DeploymentConditionType]string{}
		for _, c := range st.Conditions {
			conds[c.Type] = string(c.Status) + " " + c.Reason
		}
		if conds[appsv1.DeploymentAvailable] != "True MinimumReplicasAvailable" || conds[appsv1.DeploymentProgressing] != "True NewReplicaSetAvailable" {
			return "conditions " + toJSON(st.Conditions)
		}
		return ""
	})
	rsList, err := c.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"})
	if err != nil || len(rsList.Items) != 1 {
		t.Fatalf("replica sets after the first rollout: %v %v", rsList, err)
	}
	first := rsList.Items[0]
	hash := first.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if first.Name != "kite-web-"+hash || first.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != hash ||
		first.Annotations["deployment.kubernetes.io/desired-replicas"] != "3" || first.Annotations["deployment.kubernetes.io/max-replicas"] != "4" ||
		first.Annotations["kubernetes.io/change-cause"] != "kite v1" {
		t.Errorf("first replica set %s: labels %v, annotations %v", first.Name, first.Labels, first.Annotations)
	}
	// kubectl's table reads the status.
	if got := fields(kubectl(t, k, kc, "get", "deployment", "kite-web")); len(got) != 2 || got[1][1] != "3/3" || got[1][2] != "3" || got[1][3] != "3" {
		t.Errorf("kubectl get deployment: %v", got)
	}

	// A new image rolls out within the bounds, step by step.
	w := deployWatchRollout(t, c, "default", "kite-web", "app=kite-web")
	// The change cause goes on after the change: the controller copies the
	// Deployment's annotations to the ReplicaSet of its current template.
	kubectl(t, k, kc, "set", "image", "deployment/kite-web", "web=kite.test/web:2")
	kubectl(t, k, kc, "annotate", "deployment", "kite-web", "kubernetes.io/change-cause=kite v2", "--overwrite")
	deployRolloutStatus(t, k, kc, "kite-web")
	eventually(t, 30*time.Second, func() string {
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"})
		if err != nil {
			return err.Error()
		}
		for _, p := range pods.Items {
			if p.Spec.Containers[0].Image != "kite.test/web:2" {
				return "old pod left: " + p.Name
			}
		}
		return ""
	})
	minReady, maxSize, maxPods, both, _ := w.figures()
	t.Logf("rolling update: at least %d pods ready, at most %d replicas asked for, at most %d pods at once, %d changes with two live replica sets", minReady, maxSize, maxPods, both)
	if minReady < replicas-unavailable {
		t.Errorf("%d pods ready at one point, fewer than replicas-maxUnavailable = %d", minReady, replicas-unavailable)
	}
	if maxSize > replicas+surge {
		t.Errorf("the replica sets asked for %d replicas at one point, more than replicas+maxSurge = %d: %s", maxSize, replicas+surge, w.sizeStory())
	}
	if both == 0 {
		t.Errorf("never saw two replica sets with replicas: not a rolling update")
	}
	eventually(t, 20*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "events", "--field-selector", "involvedObject.name=kite-web,involvedObject.kind=Deployment",
			"-o", `jsonpath={range .items[*]}{.source.component} {.reason}: {.message}{"\n"}{end}`)
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`deployment-controller ScalingReplicaSet: Scaled up replica set ` + first.Name + ` from 0 to 3`),
			regexp.MustCompile(`deployment-controller ScalingReplicaSet: Scaled up replica set kite-web-\w+ from 0 to 1`),
			regexp.MustCompile(`deployment-controller ScalingReplicaSet: Scaled down replica set ` + first.Name + ` from \d to 0`),
		} {
			if !want.MatchString(out) {
				return fmt.Sprintf("no event like %q in\n%s", want, out)
			}
		}
		return ""
	})

	// History lists both revisions with their change causes.
	hist := kubectl(t, k, kc, "rollout", "history", "deployment/kite-web")
	if !regexp.MustCompile(`(?m)^1\s+kite v1\s*$`).MatchString(hist) || !regexp.MustCompile(`(?m)^2\s+kite v2\s*$`).MatchString(hist) {
		t.Errorf("kubectl rollout history:\n%s", hist)
	}

	// Undo returns to the first template: its ReplicaSet scales up again as revision 3.
	w.reset()
	kubectl(t, k, kc, "rollout", "undo", "deployment/kite-web")
	deployRolloutStatus(t, k, kc, "kite-web")
	if img := deployImage(t, c, "kite-web"); img != "kite.test/web:1" {
		t.Errorf("image after undo %q", img)
	}
	eventually(t, 30*time.Second, func() string {
		rs, err := c.AppsV1().ReplicaSets("default").Get(ctx, first.Name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if *rs.Spec.Replicas != replicas || rs.Annotations["deployment.kubernetes.io/revision"] != "3" ||
			rs.Annotations["deployment.kubernetes.io/revision-history"] != "1" {
			return fmt.Sprintf("first replica set after undo: %d replicas, annotations %v", *rs.Spec.Replicas, rs.Annotations)
		}
		return ""
	})
	if minReady, maxSize, _, _, _ := w.figures(); minReady < replicas-unavailable || maxSize > replicas+surge {
		t.Errorf("undo: at least %d ready, at most %d replicas asked for", minReady, maxSize)
	}
	hist = kubectl(t, k, kc, "rollout", "history", "deployment/kite-web")
	if !regexp.MustCompile(`(?m)^2\s+kite v2\s*$`).MatchString(hist) || !regexp.MustCompile(`(?m)^3\s+kite v1\s*$`).MatchString(hist) ||
		regexp.MustCompile(`(?m)^1\s`).MatchString(hist) {
		t.Errorf("kubectl rollout history after undo:\n%s", hist)
	}

	// Paused, a template change waits; resumed, it rolls out.
	kubectl(t, k, kc, "rollout", "pause", "deployment/kite-web")
	kubectl(t, k, kc, "set", "image", "deployment/kite-web", "web=kite.test/web:3")
	eventually(t, 30*time.Second, func() string {
		d, err := c.AppsV1().Deployments("default").Get(ctx, "kite-web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, cond := range d.Status.Conditions {
			if cond.Type == appsv1.DeploymentProgressing && cond.Reason == "DeploymentPaused" && cond.Status == corev1.ConditionUnknown &&
				d.Status.ObservedGeneration == d.Generation {
				return ""
			}
		}
		return "status " + toJSON(d.Status)
	})
	// The controller has seen the paused generation with the new template: had it
	// rolled out, the ReplicaSet would be there now.
	if rs, err := c.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"}); err != nil || len(rs.Items) != 2 {
		t.Fatalf("replica sets while paused: %d %v, want the 2 of before", len(rs.Items), err)
	}
	kubectl(t, k, kc, "rollout", "resume", "deployment/kite-web")
	deployRolloutStatus(t, k, kc, "kite-web")
	if img := deployImage(t, c, "kite-web"); img != "kite.test/web:3" {
		t.Errorf("image after resume %q", img)
	}

	// Restart: a new ReplicaSet with the restartedAt template annotation.
	kubectl(t, k, kc, "rollout", "restart", "deployment/kite-web")
	deployRolloutStatus(t, k, kc, "kite-web")
	eventually(t, 30*time.Second, func() string {
		d, err := c.AppsV1().Deployments("default").Get(ctx, "kite-web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if d.Annotations["deployment.kubernetes.io/revision"] != "5" {
			return "revision " + d.Annotations["deployment.kubernetes.io/revision"]
		}
		rss, err := c.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"})
		if err != nil {
			return err.Error()
		}
		for _, rs := range rss.Items {
			if rs.Annotations["deployment.kubernetes.io/revision"] == "5" && *rs.Spec.Replicas == replicas &&
				rs.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != "" {
				return ""
			}
		}
		return "no restarted replica set"
	})
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("server log mentions a panic:\n%s", p.stderr.String())
	}
}

func TestDeploymentRecreate(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", deploySimNodes)
	k := newest(t)
	c := clientFor(t, kc)
	kubectl(t, k, kc, "apply", "-f", workload{Kind: "Deployment", Name: "kite-db", Replicas: 2, Container: "db", Image: "kite.test/db:1",
		Spec: []string{"minReadySeconds: 2", "strategy: {type: Recreate}"}}.manifest(t))
	start := time.Now()
	deployRolloutStatus(t, k, kc, "kite-db")
	// Pods count as available two seconds after they are ready, and only then is the
	// rollout complete.
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("rollout with minReadySeconds 2 complete after %s", took)
	}
	w := deployWatchRollout(t, c, "default", "kite-db", "app=kite-db")
	kubectl(t, k, kc, "set", "image", "deployment/kite-db", "db=kite.test/db:2")
	deployRolloutStatus(t, k, kc, "kite-db")
	eventually(t, 30*time.Second, func() string {
		pods, err := c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=kite-db"})
		if err != nil {
			return err.Error()
		}
		if len(pods.Items) != 2 {
			return fmt.Sprintf("%d pods", len(pods.Items))
		}
		for _, p := range pods.Items {
			if p.Spec.Containers[0].Image != "kite.test/db:2" {
				return "old pod left: " + p.Name
			}
		}
		return ""
	})
	minReady, maxSize, maxPods, both, mixed := w.figures()
	t.Logf("recreate: at least %d ready, at most %d replicas asked for, at most %d pods, %d changes with two live replica sets, %d with pods of both templates",
		minReady, maxSize, maxPods, both, mixed)
	if both > 0 || mixed > 0 || maxSize > 2 {
		t.Errorf("old and new ran together: %d changes with two live replica sets, %d with pods of both templates, %d replicas asked for", both, mixed, maxSize)
	}
	if minReady != 0 {
		t.Errorf("at least %d pods ready throughout: the old ones were never all gone", minReady)
	}
}

// Pods that never become ready: the rollout exceeds its progress deadline, and kubectl
// rollout status says so. The server has no nodes, so the pods stay Pending.
func TestDeploymentProgressDeadline(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	kubectl(t, k, kc, "apply", "-f", workload{Kind: "Deployment", Name: "kite-stuck", Replicas: 2, Container: "web", Image: "kite.test/web:1",
		Spec: []string{"progressDeadlineSeconds: 2"}}.manifest(t))
	msg := kubectlErr(t, k, kc, "rollout", "status", "deployment/kite-stuck", "--timeout=60s")
	if !strings.Contains(msg, `deployment "kite-stuck" exceeded its progress deadline`) {
		t.Errorf("kubectl rollout status: %q", msg)
	}
	d, err := c.AppsV1().Deployments("default").Get(context.Background(), "kite-stuck", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conds := map[appsv1.DeploymentConditionType]string{}
	for _, c := range d.Status.Conditions {
		conds[c.Type] = string(c.Status) + " " + c.Reason + " " + c.Message
	}
	if !regexp.MustCompile(`^False ProgressDeadlineExceeded ReplicaSet "kite-stuck-\w+" has timed out progressing\.$`).MatchString(conds[appsv1.DeploymentProgressing]) ||
		conds[appsv1.DeploymentAvailable] != "False MinimumReplicasUnavailable Deployment does not have minimum availability." {
		t.Errorf("conditions %v", conds)
	}
	if d.Status.UnavailableReplicas != 2 || d.Status.Replicas != 2 || d.Status.AvailableReplicas != 0 {
		t.Errorf("status %s", toJSON(d.Status))
	}
}

// Every supported kubectl drives a rollout: create, set image, status, history, undo.
func TestDeploymentKubectlVersions(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", deploySimNodes)
	c := clientFor(t, kc)
	for _, k := range kubectlVersions(t) {
		name := "kite-" + strings.ReplaceAll(strings.TrimPrefix(filepath.Base(k), "kubectl."), ".", "-")
		t.Run(filepath.Base(k), func(t *testing.T) {
			kubectl(t, k, kc, "create", "deployment", name, "--image=kite.test/web:1", "--replicas=2")
			deployRolloutStatus(t, k, kc, name)
			kubectl(t, k, kc, "set", "image", "deployment/"+name, "web=kite.test/web:2")
			deployRolloutStatus(t, k, kc, name)
			hist := kubectl(t, k, kc, "rollout", "history", "deployment/"+name)
			if !regexp.MustCompile(`(?m)^1\s`).MatchString(hist) || !regexp.MustCompile(`(?m)^2\s`).MatchString(hist) {
				t.Errorf("rollout history:\n%s", hist)
			}
			kubectl(t, k, kc, "rollout", "undo", "deployment/"+name)
			deployRolloutStatus(t, k, kc, name)
			if img := deployImage(t, c, name); img != "kite.test/web:1" {
				t.Errorf("image after undo %q", img)
			}
		})
	}
}
