package scheduler

import (
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

type scoreCase struct {
	name     string
	nodes    []*corev1.Node
	existing []*corev1.Pod
	pod      *corev1.Pod
	want     map[string]int64 // nil: the scorer skips this pod
}

func runScoreCases(t *testing.T, pl ScorePlugin, cases []scoreCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scoreAll(t, pl, tc.pod, cluster(tc.nodes, tc.existing...))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestLeastAllocatedScore(t *testing.T) {
	// Upstream's own example: node a 4000m/10000 bytes, node b 6000m/10000 bytes;
	// the pod asks 3000m/5000: a = ((4000-3000)*100/4000 + (10000-5000)*100/10000)/2 =
	// (25+50)/2 = 37, b = (50+50)/2 = 50.
	a := node("a", allocatable("4", "10000", "10"))
	b := node("b", allocatable("6", "10000", "10"))
	runScoreCases(t, NodeResourcesFit{}, []scoreCase{
		{name: "upstream example", nodes: []*corev1.Node{a, b}, pod: pod("p", requests("3", "5000")),
			want: map[string]int64{"a": 37, "b": 50}},
		{name: "best effort uses the defaults", nodes: []*corev1.Node{node("a", allocatable("1", "1Gi", "10"))}, pod: pod("p"),
			// (1000-100)*100/1000 = 90; (1024-200)*100/1024 = 80 (MiB) → 85
			want: map[string]int64{"a": 85}},
		{name: "busier node scores less", nodes: []*corev1.Node{node("a"), node("b")}, existing: []*corev1.Pod{pod("x", on("a"), requests("2", "4Gi"))},
			pod: pod("p", requests("1", "1Gi")), want: map[string]int64{"a": 31, "b": 81}},
	})
}

func TestBalancedAllocationScore(t *testing.T) {
	runScoreCases(t, NodeResourcesBalancedAllocation{}, []scoreCase{
		{name: "best effort is not scored", nodes: []*corev1.Node{node("a")}, pod: pod("p"), want: nil},
		{name: "balancing improves the score", nodes: []*corev1.Node{node("a", allocatable("4", "4Gi", "10")), node("b", allocatable("4", "4Gi", "10"))},
			// a: before cpu 50% mem 0% (std .25 → 75), after 50%/50% → 100: 50+(50+25)/2 = 87.
			// b: empty → 100; after 0%/50% → 75: 50+(50-25)/2 = 62.
			existing: []*corev1.Pod{pod("x", on("a"), requests("2", ""))},
			pod:      pod("p", requests("", "2Gi")), want: map[string]int64{"a": 87, "b": 62}},
	})
}

func TestTaintTolerationScore(t *testing.T) {
	prefer := func(k string) nodeOpt { return tainted(k, "", corev1.TaintEffectPreferNoSchedule) }
	runScoreCases(t, TaintToleration{}, []scoreCase{
		{name: "fewer untolerated is better", nodes: []*corev1.Node{node("a"), node("b", prefer("x")), node("c", prefer("x"), prefer("y"))},
			pod: pod("p"), want: map[string]int64{"a": 100, "b": 50, "c": 0}},
		{name: "tolerated ones do not count", nodes: []*corev1.Node{node("a"), node("b", prefer("x"))},
			pod: pod("p", tolerates("x", "", corev1.TolerationOpExists, corev1.TaintEffectPreferNoSchedule)), want: map[string]int64{"a": 100, "b": 100}},
	})
}

func TestNodeAffinityScore(t *testing.T) {
	pref := affinity(&corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
		{Weight: 2, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
		{Weight: 6, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"z1"}}}}},
	}}})
	withBogus := affinity(&corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
		{Weight: 2, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
		{Weight: 50, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: "Bogus", Values: []string{"ssd"}}}}},
		{Weight: 6, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"z1"}}}}},
	}}})
	nodes := []*corev1.Node{node("a", labelled("disk", "ssd")), node("b", labelled("zone", "z1")), node("c", labelled("disk", "ssd", "zone", "z1")), node("d")}
	runScoreCases(t, NodeAffinity{}, []scoreCase{
		{name: "weights add up", nodes: nodes, pod: pod("p", pref), want: map[string]int64{"a": 25, "b": 75, "c": 100, "d": 0}},
		{name: "no preference", nodes: nodes, pod: pod("p"), want: nil},
		{name: "an unparsable term scores nothing, the others still count", nodes: nodes, pod: pod("p", withBogus), want: map[string]int64{"a": 25, "b": 75, "c": 100, "d": 0}},
	})
}

func TestInterPodAffinityScore(t *testing.T) {
	nodes := []*corev1.Node{node("a", labelled("zone", "z1")), node("b", labelled("zone", "z1")), node("c", labelled("zone", "z2"))}
	cache := pod("cache", on("a"), podLabels("app", "cache"))
	pref := func(anti bool, key string, w int32) podOpt {
		terms := []corev1.WeightedPodAffinityTerm{{Weight: w, PodAffinityTerm: podTermOf(key, "app", "cache")}}
		if anti {
			return affinity(&corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}})
		}
		return affinity(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}})
	}
	runScoreCases(t, InterPodAffinity{}, []scoreCase{
		{name: "preferred affinity by zone", nodes: nodes, existing: []*corev1.Pod{cache}, pod: pod("p", pref(false, "zone", 10)),
			want: map[string]int64{"a": 100, "b": 100, "c": 0}},
		{name: "preferred anti-affinity by host", nodes: nodes, existing: []*corev1.Pod{cache}, pod: pod("p", pref(true, corev1.LabelHostname, 10)),
			want: map[string]int64{"a": 0, "b": 100, "c": 100}},
		{name: "an existing pod's preference for the incoming one", nodes: nodes,
			existing: []*corev1.Pod{pod("web", on("c"), affinity(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 5, PodAffinityTerm: podTermOf("zone", "app", "cache")}}}}))},
			pod: pod("p", podLabels("app", "cache")), want: map[string]int64{"a": 0, "b": 0, "c": 100}},
		{name: "nothing to say", nodes: nodes, existing: []*corev1.Pod{cache}, pod: pod("p"), want: nil},
	})
}

func TestPodTopologySpreadScore(t *testing.T) {
	nodes := []*corev1.Node{node("a", labelled("zone", "z1")), node("b", labelled("zone", "z1")), node("c", labelled("zone", "z2")), node("d")}
	web := func(name, n string) *corev1.Pod { return pod(name, on(n), podLabels("app", "web")) }
	runScoreCases(t, PodTopologySpread{}, []scoreCase{
		// by zone: z1 holds 2, z2 0; weight log(2+2); a=b=round(2*1.386)=3, c=0;
		// normalized 100*(3+0-s)/3: a=b=0, c=100; d lacks the label: 0.
		{name: "zone", nodes: nodes, existing: []*corev1.Pod{web("w1", "a"), web("w2", "b")},
			pod:  pod("p", podLabels("app", "web"), spread("zone", 1, corev1.ScheduleAnyway, "app", "web")),
			want: map[string]int64{"a": 0, "b": 0, "c": 100, "d": 0}},
		{name: "hostname", nodes: nodes[:3], existing: []*corev1.Pod{web("w1", "a"), web("w2", "a"), web("w3", "b")},
			// weight log(3+2)=1.609: a=round(3.219)=3, b=round(1.609)=2, c=0; 100*(3+0-s)/3.
			pod:  pod("p", podLabels("app", "web"), spread(corev1.LabelHostname, 1, corev1.ScheduleAnyway, "app", "web")),
			want: map[string]int64{"a": 0, "b": 33, "c": 100}},
		{name: "DoNotSchedule is not scored", nodes: nodes, pod: pod("p", spread("zone", 1, corev1.DoNotSchedule, "app", "web")), want: nil},
	})
}

func TestNormalizeScores(t *testing.T) {
	s := []int64{0, 5, 10}
	normalizeScores(s, false)
	if s[0] != 0 || s[1] != 50 || s[2] != 100 {
		t.Errorf("normalize: %v", s)
	}
	s = []int64{0, 0}
	normalizeScores(s, true)
	if s[0] != 100 || s[1] != 100 {
		t.Errorf("reverse of zeros: %v", s)
	}
	s = []int64{-10, 0, 10}
	normalizeMinMax(s)
	if s[0] != 0 || s[1] != 50 || s[2] != 100 {
		t.Errorf("min-max: %v", s)
	}
}
