package daemonset

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"kite/controllers/controllertest"
)

// start runs the controller over a fake clientset; the fake does not fill in
// generateName or resourceVersions, so a reactor does, as the API server would.
func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	n := 0
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" {
			n++
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, n)
		}
		p.CreationTimestamp = metav1.NewTime(time.Now())
		return false, nil, nil
	})
	// The fake stores the whole object on a status update; the API server takes only
	// the status, which the controller relies on when it writes from a stale cache.
	client.PrependReactor("update", "daemonsets", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "status" {
			return false, nil, nil
		}
		in := a.(clienttesting.UpdateAction).GetObject().(*appsv1.DaemonSet)
		stored, err := client.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("daemonsets"), in.Namespace, in.Name)
		if err != nil {
			return true, nil, err
		}
		out := stored.(*appsv1.DaemonSet).DeepCopy()
		out.Status = in.Status
		return true, out, client.Tracker().Update(appsv1.SchemeGroupVersion.WithResource("daemonsets"), out, in.Namespace)
	})
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, DaemonSets: f.Apps().V1().DaemonSets(), Pods: f.Core().V1().Pods(),
		Nodes: f.Core().V1().Nodes(), Revisions: f.Apps().V1().ControllerRevisions()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

func edgeDS() *appsv1.DaemonSet {
	ds := rollingDS(ip(0), ip(1))
	ds.Name, ds.UID, ds.Generation = "agent", "uid-agent", 1
	ds.Annotations = map[string]string{appsv1.DeprecatedTemplateGeneration: "1"}
	ds.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}
	ds.Spec.Template.Labels = map[string]string{"app": "agent"}
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "edge"}
	return ds
}

// daemonPods lists the live pods of the DaemonSet agent, by target node.
func daemonPods(client *fake.Clientset) map[string][]corev1.Pod {
	pods, _ := client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	out := map[string][]corev1.Pod{}
	for _, p := range pods.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Name == "agent" && p.DeletionTimestamp == nil {
			out[targetNode(&p)] = append(out[targetNode(&p)], p)
		}
	}
	return out
}

// runAll plays the scheduler and kubelet: binds and readies every daemon pod.
func runAll(t *testing.T, client *fake.Clientset) {
	t.Helper()
	ctx := context.Background()
	for node, pods := range daemonPods(client) {
		for _, p := range pods {
			if isReady(&p) {
				continue
			}
			p.Spec.NodeName = node
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
			p.ResourceVersion = fmt.Sprint(time.Now().UnixNano())
			if _, err := client.CoreV1().Pods("default").Update(ctx, &p, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDaemonSetOnePodPerEligibleNode(t *testing.T) {
	taint := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	client := start(t, edgeDS(),
		node("a", map[string]string{"role": "edge"}), node("b", map[string]string{"role": "edge"}),
		node("tainted", map[string]string{"role": "edge"}, taint), node("core", map[string]string{"role": "core"}))
	ctx := context.Background()
	controllertest.WaitFor(t, "pods on a and b only", func() string {
		got := daemonPods(client)
		if len(got) != 2 || len(got["a"]) != 1 || len(got["b"]) != 1 {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	revs, err := client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 1 {
		t.Fatalf("revisions: %v, %v", revs, err)
	}
	rev := revs.Items[0]
	if rev.Revision != 1 || !strings.HasPrefix(rev.Name, "agent-") || rev.Labels["app"] != "agent" ||
		!strings.Contains(string(rev.Data.Raw), `"$patch":"replace"`) {
		t.Errorf("revision %s #%d labels %v data %s", rev.Name, rev.Revision, rev.Labels, rev.Data.Raw)
	}
	for _, pods := range daemonPods(client) {
		p := pods[0]
		if p.Spec.NodeName != "" || p.Labels[hashLabel] != rev.Labels[hashLabel] || p.Labels[generationLabel] != "1" {
			t.Errorf("pod %s: nodeName %q labels %v (revision hash %q)", p.Name, p.Spec.NodeName, p.Labels, rev.Labels[hashLabel])
		}
	}
	runAll(t, client)
	controllertest.WaitFor(t, "status", func() string {
		ds, _ := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
		s := ds.Status
		if s.DesiredNumberScheduled != 2 || s.CurrentNumberScheduled != 2 || s.NumberReady != 2 || s.NumberAvailable != 2 ||
			s.UpdatedNumberScheduled != 2 || s.NumberUnavailable != 0 || s.NumberMisscheduled != 0 || s.ObservedGeneration != 1 {
			return fmt.Sprintf("%+v", s)
		}
		return ""
	})
	controllertest.WaitFor(t, "events", func() string {
		evs, _ := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		n := 0
		for _, e := range evs.Items {
			if e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: agent-") && e.Source.Component == "daemonset-controller" {
				n++
			}
		}
		if n != 2 {
			return fmt.Sprintf("%d SuccessfulCreate events", n)
		}
		return ""
	})

	// Node b leaves the selector: its pod goes, and is counted misscheduled until then.
	b, _ := client.CoreV1().Nodes().Get(ctx, "b", metav1.GetOptions{})
	b.Labels["role"] = "core"
	b.ResourceVersion = "99"
	if _, err := client.CoreV1().Nodes().Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "pod on b deleted", func() string {
		if got := daemonPods(client); len(got) != 1 || len(got["a"]) != 1 {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
}

func TestDaemonSetRollsOneNodeAtATime(t *testing.T) {
	client := start(t, edgeDS(), node("a", map[string]string{"role": "edge"}), node("b", map[string]string{"role": "edge"}))
	ctx := context.Background()
	controllertest.WaitFor(t, "2 pods", func() string {
		if got := daemonPods(client); len(got) != 2 {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	runAll(t, client)
	oldHash := daemonPods(client)["a"][0].Labels[hashLabel]
	controllertest.WaitFor(t, "2 available", func() string {
		ds, _ := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
		if ds.Status.NumberAvailable != 2 {
			return fmt.Sprintf("%+v", ds.Status)
		}
		return ""
	})

	ds, _ := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
	ds.Spec.Template.Spec.Containers[0].Image = "busybox:2"
	ds.Generation = 2
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = "2"
	ds.ResourceVersion = "50"
	if _, err := client.AppsV1().DaemonSets("default").Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The first new pod is not ready: the other node must keep its old pod.
	controllertest.WaitFor(t, "one node replaced", func() string {
		got := daemonPods(client)
		updated := 0
		for _, pods := range got {
			for _, p := range pods {
				if p.Labels[hashLabel] != oldHash {
					updated++
				}
			}
		}
		if updated != 1 || len(got) != 2 {
			return fmt.Sprintf("%d updated, %v", updated, got)
		}
		return ""
	})
	for _, pods := range daemonPods(client) {
		if len(pods) != 1 {
			t.Fatalf("two pods on a node without surge: %v", pods)
		}
	}
	// Let the rollout finish.
	controllertest.WaitFor(t, "all updated", func() string {
		runAll(t, client)
		d, _ := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
		if d.Status.UpdatedNumberScheduled != 2 || d.Status.NumberAvailable != 2 || d.Status.ObservedGeneration != 2 {
			return fmt.Sprintf("%+v", d.Status)
		}
		return ""
	})
	revs, _ := client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
	if len(revs.Items) != 2 {
		t.Errorf("%d revisions, want 2", len(revs.Items))
	}
}

func TestDaemonSetReplacesFailedPod(t *testing.T) {
	client := start(t, edgeDS(), node("a", map[string]string{"role": "edge"}))
	ctx := context.Background()
	var first string
	controllertest.WaitFor(t, "a pod", func() string {
		got := daemonPods(client)["a"]
		if len(got) != 1 {
			return fmt.Sprintf("%v", got)
		}
		first = got[0].Name
		return ""
	})
	p, _ := client.CoreV1().Pods("default").Get(ctx, first, metav1.GetOptions{})
	p.Status.Phase = corev1.PodFailed
	p.ResourceVersion = "77"
	if _, err := client.CoreV1().Pods("default").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "failed pod replaced", func() string {
		got := daemonPods(client)["a"]
		if len(got) != 1 || got[0].Name == first {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	controllertest.WaitFor(t, "FailedDaemonPod event", func() string {
		evs, _ := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		for _, e := range evs.Items {
			if e.Reason == "FailedDaemonPod" && e.Type == corev1.EventTypeWarning &&
				e.Message == "Found failed daemon pod default/"+first+" on node a, will try to kill it" {
				return ""
			}
		}
		return fmt.Sprintf("%d events, none FailedDaemonPod", len(evs.Items))
	})
}

// changeImage updates agent's template as the API server would: generation and
// template generation go up.
func changeImage(t *testing.T, client *fake.Clientset, image string) {
	t.Helper()
	ctx := context.Background()
	ds, err := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Spec.Template.Spec.Containers[0].Image = image
	ds.Generation++
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = fmt.Sprint(ds.Generation)
	ds.ResourceVersion = fmt.Sprint(time.Now().UnixNano())
	if _, err := client.AppsV1().DaemonSets("default").Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// images lists, per node, the images of its live daemon pods with (ready) marks.
func images(client *fake.Clientset) map[string][]string {
	out := map[string][]string{}
	for n, pods := range daemonPods(client) {
		for _, p := range pods {
			s := p.Spec.Containers[0].Image
			if isReady(&p) {
				s += "(ready)"
			}
			out[n] = append(out[n], s)
		}
		slices.Sort(out[n])
	}
	return out
}

func TestDaemonSetSurgeMakesNewPodBeforeDeletingOld(t *testing.T) {
	ds := edgeDS()
	ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxSurge: ip(1), MaxUnavailable: ip(0)}
	client := start(t, ds, node("a", map[string]string{"role": "edge"}), node("b", map[string]string{"role": "edge"}))
	controllertest.WaitFor(t, "2 pods", func() string {
		if got := daemonPods(client); len(got) != 2 {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	runAll(t, client)
	changeImage(t, client, "busybox:2")
	// One node gets its new pod beside the ready old one; the other waits.
	controllertest.WaitFor(t, "one surge pod", func() string {
		got := images(client)
		a, b := strings.Join(got["a"], ","), strings.Join(got["b"], ",")
		pair, single := "busybox(ready),busybox:2", "busybox(ready)"
		if !(a == pair && b == single) && !(a == single && b == pair) {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	// Once new pods are ready, old ones go and the other node surges; in the end
	// every node has exactly its new pod.
	controllertest.WaitFor(t, "rolled", func() string {
		runAll(t, client)
		got := images(client)
		if strings.Join(got["a"], ",") != "busybox:2(ready)" || strings.Join(got["b"], ",") != "busybox:2(ready)" {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
}

func TestDaemonSetOnDeleteWaitsForDeletes(t *testing.T) {
	ds := edgeDS()
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	client := start(t, ds, node("a", map[string]string{"role": "edge"}), node("b", map[string]string{"role": "edge"}))
	ctx := context.Background()
	controllertest.WaitFor(t, "2 pods", func() string {
		if got := daemonPods(client); len(got) != 2 {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
	runAll(t, client)
	changeImage(t, client, "busybox:2")
	controllertest.WaitFor(t, "status sees the new generation with nothing updated", func() string {
		d, _ := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
		if d.Status.ObservedGeneration != 2 || d.Status.UpdatedNumberScheduled != 0 || d.Status.NumberAvailable != 2 {
			return fmt.Sprintf("%+v", d.Status)
		}
		return ""
	})
	if got := images(client); strings.Join(got["a"], ",") != "busybox(ready)" || strings.Join(got["b"], ",") != "busybox(ready)" {
		t.Fatalf("OnDelete replaced pods by itself: %v", got)
	}
	old := daemonPods(client)["a"][0].Name
	if err := client.CoreV1().Pods("default").Delete(ctx, old, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "a replaced with the new template", func() string {
		got := images(client)
		if strings.Join(got["a"], ",") != "busybox:2" || strings.Join(got["b"], ",") != "busybox(ready)" {
			return fmt.Sprintf("%v", got)
		}
		return ""
	})
}
