package scheduler

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func defaultProfile(t *testing.T, client *fake.Clientset) *Profile {
	t.Helper()
	if client == nil {
		client = fake.NewClientset()
	}
	p, err := DefaultProfile(nil, VolumePlugins{}, DefaultPreemption{Client: client}, DefaultBinder{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func decide(t *testing.T, prof *Profile, p *corev1.Pod, snap *Snapshot) Decision {
	t.Helper()
	return prof.Decide(context.Background(), NewCycle(p, snap), 0, rand.New(rand.NewPCG(1, 2)))
}

// TestDecideMessages checks the whole default profile's verdict, and upstream's
// message, for pods that fit nowhere.
func TestDecideMessages(t *testing.T) {
	three := []*corev1.Node{
		node("a", tainted("dedicated", "db", corev1.TaintEffectNoSchedule)),
		node("b", labelled("disk", "hdd")),
		node("c", labelled("disk", "ssd"), allocatable("1", "1Gi", "10")),
	}
	cases := []struct {
		name     string
		nodes    []*corev1.Node
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     string
	}{
		{name: "selector on one node",
			nodes: three[1:2], pod: pod("p", selector("disk", "ssd")),
			want: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."},
		{name: "three reasons",
			nodes: three, existing: []*corev1.Pod{pod("x", on("c"), requests("800m", ""))}, pod: pod("p", requests("500m", ""), selector("disk", "ssd")),
			want: "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s). preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."},
		{name: "bigger than every node",
			nodes: three[2:], pod: pod("p", requests("2", "")),
			want: "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."},
		{name: "preemptionPolicy Never",
			nodes: three[2:], existing: []*corev1.Pod{pod("x", on("c"), requests("800m", ""))},
			pod:  pod("p", requests("500m", ""), priority(10), func(p *corev1.Pod) { n := corev1.PreemptNever; p.Spec.PreemptionPolicy = &n }),
			want: "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."},
		{name: "no nodes", pod: pod("p"), want: noNodesMsg},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := decide(t, defaultProfile(t, nil), tc.pod, cluster(tc.nodes, tc.existing...))
			if !d.Unschedulable || d.Node != "" {
				t.Fatalf("decision %+v, want unschedulable", d)
			}
			if d.Message != tc.want {
				t.Errorf("message\n got %q\nwant %q", d.Message, tc.want)
			}
		})
	}
}

// TestDecidePlacement checks where the default profile puts pods, as upstream would.
func TestDecidePlacement(t *testing.T) {
	nodes := []*corev1.Node{
		node("a", labelled("zone", "z1")),
		node("b", labelled("zone", "z1"), tainted("gpu", "", corev1.TaintEffectNoSchedule)),
		node("c", labelled("zone", "z2")),
	}
	web := func(n string) *corev1.Pod { return pod("w-"+n, on(n), podLabels("app", "web")) }
	cases := []struct {
		name     string
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     []string // any of these
	}{
		{name: "taint keeps others off", pod: pod("p", selector("zone", "z1")), want: []string{"a"}},
		{name: "toleration lets in", pod: pod("p", selector("zone", "z1"), requests("1", ""), tolerates("gpu", "", corev1.TolerationOpExists, "")),
			existing: []*corev1.Pod{pod("x", on("a"), requests("2", "2Gi"))}, want: []string{"b"}},
		{name: "least allocated", existing: []*corev1.Pod{pod("x", on("a"), requests("2", "2Gi"))}, pod: pod("p", requests("1", "1Gi")), want: []string{"c"}},
		{name: "anti-affinity spreads", existing: []*corev1.Pod{web("a")},
			pod: pod("p", podLabels("app", "web"), affinity(&corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{podTermOf(corev1.LabelHostname, "app", "web")}}})),
			want: []string{"c"}},
		{name: "soft spread by zone", existing: []*corev1.Pod{web("a")},
			pod: pod("p", podLabels("app", "web"), spread("zone", 1, corev1.ScheduleAnyway, "app", "web")), want: []string{"c"}},
		{name: "preferred affinity", existing: []*corev1.Pod{pod("cache", on("c"), podLabels("app", "cache"))},
			pod: pod("p", affinity(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
				{Weight: 100, PodAffinityTerm: podTermOf(corev1.LabelHostname, "app", "cache")}}}})),
			want: []string{"c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := decide(t, defaultProfile(t, nil), tc.pod, cluster(nodes, tc.existing...))
			if !slices.Contains(tc.want, d.Node) {
				t.Errorf("placed on %q (%+v), want one of %v", d.Node, d, tc.want)
			}
		})
	}
}

func toObjects(pods []*corev1.Pod) []runtime.Object {
	var out []runtime.Object
	for _, p := range pods {
		out = append(out, p.DeepCopy())
	}
	return out
}

func TestPreemption(t *testing.T) {
	nodes := []*corev1.Node{node("a", allocatable("2", "4Gi", "10")), node("b", allocatable("2", "4Gi", "10"))}
	low1 := pod("low1", on("a"), requests("1", ""), priority(1))
	low2 := pod("low2", on("a"), requests("1", ""), priority(2))
	mid := pod("mid", on("b"), requests("1500m", ""), priority(50))
	existing := []*corev1.Pod{low1, low2, mid}
	client := fake.NewClientset(toObjects(existing)...)
	preemptor := pod("high", requests("1", ""), priority(100))
	d := decide(t, defaultProfile(t, client), preemptor, cluster(nodes, existing...))
	want := "0/2 nodes are available: 2 Insufficient cpu. preemption: found a potential placement for pod on node a, preempting 1 victims"
	if d.Nominated != "a" || d.Message != want {
		t.Fatalf("decision %+v\nwant nominated a, message %q", d, want)
	}
	// Only the least important victim on a is deleted: one CPU is enough.
	left, err := client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range left.Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"low2", "mid"}) {
		t.Errorf("pods left %v, want low2 and mid (low1 preempted)", names)
	}

	// Equal priority: nobody to preempt.
	same := pod("same", requests("1", ""), priority(1))
	d = decide(t, defaultProfile(t, fake.NewClientset()), same, cluster(nodes, existing...))
	want = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
	if d.Nominated != "" || d.Message != want {
		t.Errorf("message %q, want %q", d.Message, want)
	}
}

func TestNominatedPodsKeepTheirRoom(t *testing.T) {
	nodes := []*corev1.Node{node("a", allocatable("1", "4Gi", "10"))}
	nom := NewNominator()
	high := pod("high", requests("800m", ""), priority(100))
	nom.Set(high, "a")

	low := pod("low", requests("500m", ""), priority(1))
	c := NewCycle(low, cluster(nodes))
	c.Nominated = nom.For(low)
	d := defaultProfile(t, nil).Decide(context.Background(), c, 0, rand.New(rand.NewPCG(1, 2)))
	if !d.Unschedulable || !strings.HasPrefix(d.Message, "0/1 nodes are available: 1 Insufficient cpu.") {
		t.Errorf("a lower-priority pod took the nominated pod's room: %+v", d)
	}

	higher := pod("higher", requests("500m", ""), priority(200))
	c = NewCycle(higher, cluster(nodes))
	c.Nominated = nom.For(higher)
	if d := defaultProfile(t, nil).Decide(context.Background(), c, 0, rand.New(rand.NewPCG(1, 2))); d.Node != "a" {
		t.Errorf("a higher-priority pod was kept off by a lower nominated one: %+v", d)
	}

	nom.Delete(high.UID)
	if got := nom.For(low); len(got) != 0 {
		t.Errorf("after Delete, nominated %v", got)
	}
}
