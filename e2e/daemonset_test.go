package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// The DaemonSet controller inside `kite server`, on simulated nodes
// (`--simulated-nodes`): the scheduler binds the daemon pods to them and the simulated
// nodes run the pods (Running and Ready at once) and finish their graceful deletions.
// From the pod events the test keeps, per node, whether a ready daemon pod serves
// there, and the most nodes that were ever without one at once while armed (the
// rolling update's maxUnavailable must bound it).

// dsWatch follows a DaemonSet's pods on the given nodes.
type dsWatch struct {
	nodes []string
	mu    sync.Mutex
	ready map[string]string // pod name -> node, for ready pods not being deleted
	armed bool
	worst int
	errs  []string
}

// down counts the nodes with no ready pod; call with mu held.
func (k *dsWatch) down() int {
	n := 0
	for _, node := range k.nodes {
		served := false
		for _, on := range k.ready {
			served = served || on == node
		}
		if !served {
			n++
		}
	}
	return n
}

// arm starts counting unavailable nodes from now.
func (k *dsWatch) arm() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.armed, k.worst = true, k.down()
}

// worstDown returns the most nodes down at once since arm.
func (k *dsWatch) worstDown() (int, []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.worst, slices.Clone(k.errs)
}

func (k *dsWatch) set(p *corev1.Pod, ready bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ready {
		k.ready[p.Name] = p.Spec.NodeName
	} else {
		delete(k.ready, p.Name)
	}
	if k.armed {
		k.worst = max(k.worst, k.down())
	}
}

func (k *dsWatch) run(ctx context.Context, w watch.Interface) {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() == nil {
					k.mu.Lock()
					k.errs = append(k.errs, "pod watch closed early")
					k.mu.Unlock()
				}
				return
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			// A pod being deleted serves no more, whatever its status says.
			k.set(p, ev.Type != watch.Deleted && podReady(p))
		}
	}
}

// watchDaemonPods follows the pods labelled app=<app> in ns on nodes until the test
// ends.
func watchDaemonPods(t *testing.T, c kubernetes.Interface, ns, app string, nodes ...string) *dsWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	k := &dsWatch{nodes: nodes, ready: map[string]string{}}
	done := make(chan struct{})
	go func() { defer close(done); k.run(ctx, w) }()
	t.Cleanup(func() { cancel(); <-done })
	return k
}

// daemonSet is a DaemonSet of a pause container on pods labelled app=<name>.
func daemonSet(name string) *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: ptr.To(false),
					Containers:                   []corev1.Container{{Name: "c", Image: "kite.test/pause:1"}},
				},
			},
		},
	}
}

func TestDaemonSetPlacesRollsAndUndoes(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "4")
	k := newest(t)
	c := clientFor(t, kc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ns = "default"

	// Two edge nodes take the daemon; a third is an edge node tainted NoSchedule
	// (not tolerated), a fourth is not an edge node.
	nodes := simNodes(t, c, 4)
	edgeA, edgeB, tainted, core := nodes[0], nodes[1], nodes[2], nodes[3]
	kubectl(t, k, kc, "label", "node", edgeA, edgeB, tainted, "role=edge")
	kubectl(t, k, kc, "label", "node", core, "role=core")
	kubectl(t, k, kc, "taint", "node", tainted, "dedicated=db:NoSchedule")
	daemons := watchDaemonPods(t, c, ns, "kite-agent", edgeA, edgeB)

	ds := daemonSet("kite-agent")
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "edge"}
	if _, err := c.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// pods returns the daemon's pods as "node@image(pod-template-generation)", with
	// unready ones marked, sorted.
	pods := func() []string {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=kite-agent"})
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, p := range list.Items {
			s := fmt.Sprintf("%s@%s(%s)", p.Spec.NodeName, p.Spec.Containers[0].Image, p.Labels["pod-template-generation"])
			if !podReady(&p) {
				s += "(not ready)"
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	settled := func(image, gen string) func() string {
		want := []string{edgeA + "@" + image + "(" + gen + ")", edgeB + "@" + image + "(" + gen + ")"}
		return func() string {
			if got := pods(); !slices.Equal(got, want) {
				return fmt.Sprintf("pods %v, want %v", got, want)
			}
			return ""
		}
	}
	eventually(t, 60*time.Second, settled("kite.test/pause:1", "1"))
	out := kubectl(t, k, kc, "rollout", "status", "daemonset/kite-agent", "--timeout=60s")
	if !strings.Contains(out, `daemon set "kite-agent" successfully rolled out`) {
		t.Errorf("rollout status: %q", out)
	}

	// The pods are pinned by affinity for the scheduler, tolerate upstream's defaults,
	// and carry the revision hash of a ControllerRevision of the DaemonSet.
	list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=kite-agent"})
	if err != nil {
		t.Fatal(err)
	}
	revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=kite-agent"})
	if err != nil || len(revs.Items) != 1 {
		t.Fatalf("revisions %v, %v", revs, err)
	}
	for _, p := range list.Items {
		terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Values[0] != p.Spec.NodeName {
			t.Errorf("pod %s on %s: affinity %s", p.Name, p.Spec.NodeName, toJSON(terms))
		}
		var keys []string
		for _, tol := range p.Spec.Tolerations {
			keys = append(keys, tol.Key+":"+string(tol.Effect))
		}
		for _, want := range []string{"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
			"node.kubernetes.io/unschedulable:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule"} {
			if !slices.Contains(keys, want) {
				t.Errorf("pod %s lacks toleration %s: %v", p.Name, want, keys)
			}
		}
		if h := p.Labels["controller-revision-hash"]; h == "" || revs.Items[0].Labels["controller-revision-hash"] != h {
			t.Errorf("pod %s hash %q, revision %s labels %v", p.Name, h, revs.Items[0].Name, revs.Items[0].Labels)
		}
	}
	got, err := c.AppsV1().DaemonSets(ns).Get(ctx, "kite-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Status; s.DesiredNumberScheduled != 2 || s.CurrentNumberScheduled != 2 || s.NumberReady != 2 || s.NumberAvailable != 2 ||
		s.UpdatedNumberScheduled != 2 || s.NumberMisscheduled != 0 || s.NumberUnavailable != 0 || s.ObservedGeneration != got.Generation {
		t.Errorf("status %s", toJSON(s))
	}

	// A new image rolls one node at a time (maxUnavailable 1 by default).
	daemons.arm()
	kubectl(t, k, kc, "set", "image", "daemonset/kite-agent", "c=kite.test/pause:2")
	out = kubectl(t, k, kc, "rollout", "status", "daemonset/kite-agent", "--timeout=60s")
	if !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status: %q", out)
	}
	eventually(t, 30*time.Second, settled("kite.test/pause:2", "2"))
	if worst, errs := daemons.worstDown(); worst > 1 || len(errs) > 0 {
		t.Errorf("%d nodes without a ready daemon at once during the update (max 1); watch errors %v", worst, errs)
	}
	out = kubectl(t, k, kc, "rollout", "history", "daemonset/kite-agent")
	if f := strings.Fields(out); !slices.Contains(f, "1") || !slices.Contains(f, "2") {
		t.Errorf("rollout history: %q", out)
	}

	// Undo goes back to the first template, which becomes revision 3.
	daemons.arm()
	out = kubectl(t, k, kc, "rollout", "undo", "daemonset/kite-agent")
	if !strings.Contains(out, "rolled back") {
		t.Errorf("rollout undo: %q", out)
	}
	kubectl(t, k, kc, "rollout", "status", "daemonset/kite-agent", "--timeout=60s")
	eventually(t, 30*time.Second, settled("kite.test/pause:1", "3"))
	if worst, errs := daemons.worstDown(); worst > 1 || len(errs) > 0 {
		t.Errorf("%d nodes without a ready daemon at once during the undo (max 1); watch errors %v", worst, errs)
	}
	eventually(t, 30*time.Second, func() string {
		revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=kite-agent"})
		if err != nil {
			return err.Error()
		}
		var nums []int64
		for _, r := range revs.Items {
			nums = append(nums, r.Revision)
		}
		slices.Sort(nums)
		if !slices.Equal(nums, []int64{2, 3}) {
			return fmt.Sprintf("revision numbers %v, want [2 3]", nums)
		}
		return ""
	})

	// Upstream's events, from daemonset-controller.
	eventually(t, 30*time.Second, func() string {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		created, deleted := 0, 0
		for _, e := range evs.Items {
			if e.InvolvedObject.Kind != "DaemonSet" || e.Source.Component != "daemonset-controller" {
				continue
			}
			switch {
			case e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: kite-agent-"):
				created++
			case e.Reason == "SuccessfulDelete" && strings.HasPrefix(e.Message, "Deleted pod: kite-agent-"):
				deleted++
			}
		}
		if created < 6 || deleted < 4 {
			return fmt.Sprintf("%d SuccessfulCreate, %d SuccessfulDelete events", created, deleted)
		}
		return ""
	})
}

func TestDaemonSetSurgesOnCordonedNodeAndReplacesFailedPods(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ns = "default"

	nodes := simNodes(t, c, 2)
	nodeA, nodeB := nodes[0], nodes[1]
	// A cordoned node still runs daemons: their pods tolerate unschedulable.
	kubectl(t, k, kc, "cordon", nodeA)
	daemons := watchDaemonPods(t, c, ns, "kite-surge", nodeA, nodeB)

	ds := daemonSet("kite-surge")
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{
		Type: appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{
			MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(0)),
		},
	}
	if _, err := c.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// byNode returns node -> "image(ready)" of the live daemon pods, and their names.
	byNode := func() (map[string][]string, map[string]string) {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=kite-surge"})
		if err != nil {
			return map[string][]string{"error": {err.Error()}}, nil
		}
		out, names := map[string][]string{}, map[string]string{}
		for _, p := range list.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			s := p.Spec.Containers[0].Image
			if podReady(&p) {
				s += "(ready)"
			}
			out[p.Spec.NodeName] = append(out[p.Spec.NodeName], s)
			names[p.Spec.NodeName] = p.Name
		}
		return out, names
	}
	settled := func(image string) func() string {
		return func() string {
			got, _ := byNode()
			want := image + "(ready)"
			if len(got) != 2 || !slices.Equal(got[nodeA], []string{want}) || !slices.Equal(got[nodeB], []string{want}) {
				return fmt.Sprintf("pods by node %v, want one %s on each", got, want)
			}
			return ""
		}
	}
	eventually(t, 60*time.Second, settled("kite.test/pause:1"))

	// With maxSurge 1 and maxUnavailable 0, each node gets its new pod before its old
	// one goes: no node is ever without a ready daemon.
	daemons.arm()
	kubectl(t, k, kc, "set", "image", "daemonset/kite-surge", "c=kite.test/pause:2")
	out := kubectl(t, k, kc, "rollout", "status", "daemonset/kite-surge", "--timeout=60s")
	if !strings.Contains(out, `daemon set "kite-surge" successfully rolled out`) {
		t.Errorf("rollout status: %q", out)
	}
	eventually(t, 30*time.Second, settled("kite.test/pause:2"))
	if worst, errs := daemons.worstDown(); worst != 0 || len(errs) > 0 {
		t.Errorf("%d nodes without a ready daemon at once during a surge update (want 0); watch errors %v", worst, errs)
	}

	// A failed daemon pod is deleted and replaced, with upstream's warning.
	_, names := byNode()
	failed, err := c.CoreV1().Pods(ns).Get(ctx, names[nodeB], metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The simulated node ends the pod's container with exit code 1: the pod Failed.
	kubectl(t, k, kc, "annotate", "pod", failed.Name, "kite.dev/simulated-exit-code=1")
	eventually(t, 30*time.Second, func() string {
		if msg := settled("kite.test/pause:2")(); msg != "" {
			return msg
		}
		if _, names := byNode(); names[nodeB] == failed.Name {
			return "the failed pod is still there"
		}
		return ""
	})
	eventually(t, 30*time.Second, func() string {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=kite-surge"})
		if err != nil {
			return err.Error()
		}
		want := fmt.Sprintf("Found failed daemon pod %s/%s on node %s, will try to kill it", ns, failed.Name, nodeB)
		for _, e := range evs.Items {
			if e.Reason == "FailedDaemonPod" && e.Type == corev1.EventTypeWarning && e.Message == want {
				return ""
			}
		}
		return fmt.Sprintf("no FailedDaemonPod event %q among %d events", want, len(evs.Items))
	})
}
