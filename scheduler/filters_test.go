package scheduler

import (
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Each case: nodes, pods already bound, the incoming pod, and the verdict per node.
type filterCase struct {
	name     string
	nodes    []*corev1.Node
	existing []*corev1.Pod
	pod      *corev1.Pod
	want     map[string]string
}

func runFilterCases(t *testing.T, pl Plugin, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := filterAll(t, pl, tc.pod, cluster(tc.nodes, tc.existing...))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

const (
	ok      = "ok"
	taintNo = "UnschedulableAndUnresolvable: " + taintReason
	affNo   = "UnschedulableAndUnresolvable: " + nodeAffinityReason
)

func TestNodeNameFilter(t *testing.T) {
	runFilterCases(t, NodeName{}, []filterCase{
		{name: "no name", nodes: []*corev1.Node{node("a")}, pod: pod("p"), want: map[string]string{"a": ok}},
		{name: "named", nodes: []*corev1.Node{node("a"), node("b")}, pod: pod("p", on("b")),
			want: map[string]string{"a": "UnschedulableAndUnresolvable: " + nodeNameReason, "b": ok}},
	})
}

func TestNodeUnschedulableFilter(t *testing.T) {
	cordoned := func(n *corev1.Node) { n.Spec.Unschedulable = true }
	runFilterCases(t, NodeUnschedulable{}, []filterCase{
		{name: "cordoned", nodes: []*corev1.Node{node("a", cordoned), node("b")}, pod: pod("p"),
			want: map[string]string{"a": "UnschedulableAndUnresolvable: " + unschedulableReason, "b": ok}},
		{name: "tolerates the unschedulable taint", nodes: []*corev1.Node{node("a", cordoned)},
			pod:  pod("p", tolerates(corev1.TaintNodeUnschedulable, "", corev1.TolerationOpExists, corev1.TaintEffectNoSchedule)),
			want: map[string]string{"a": ok}},
	})
}

func TestTaintTolerationFilter(t *testing.T) {
	gpu := tainted("gpu", "true", corev1.TaintEffectNoSchedule)
	runFilterCases(t, TaintToleration{}, []filterCase{
		{name: "untolerated NoSchedule", nodes: []*corev1.Node{node("a", gpu), node("b")}, pod: pod("p"),
			want: map[string]string{"a": taintNo, "b": ok}},
		{name: "tolerated by Equal", nodes: []*corev1.Node{node("a", gpu)},
			pod: pod("p", tolerates("gpu", "true", corev1.TolerationOpEqual, corev1.TaintEffectNoSchedule)), want: map[string]string{"a": ok}},
		{name: "Equal with another value", nodes: []*corev1.Node{node("a", gpu)},
			pod: pod("p", tolerates("gpu", "false", corev1.TolerationOpEqual, corev1.TaintEffectNoSchedule)), want: map[string]string{"a": taintNo}},
		{name: "Exists with empty effect", nodes: []*corev1.Node{node("a", gpu)},
			pod: pod("p", tolerates("gpu", "", corev1.TolerationOpExists, "")), want: map[string]string{"a": ok}},
		{name: "empty key Exists tolerates everything", nodes: []*corev1.Node{node("a", gpu, tainted("x", "", corev1.TaintEffectNoExecute))},
			pod: pod("p", tolerates("", "", corev1.TolerationOpExists, "")), want: map[string]string{"a": ok}},
		{name: "toleration for another effect", nodes: []*corev1.Node{node("a", gpu)},
			pod: pod("p", tolerates("gpu", "true", corev1.TolerationOpEqual, corev1.TaintEffectNoExecute)), want: map[string]string{"a": taintNo}},
		{name: "NoExecute counts", nodes: []*corev1.Node{node("a", tainted("x", "", corev1.TaintEffectNoExecute))}, pod: pod("p"),
			want: map[string]string{"a": taintNo}},
		{name: "PreferNoSchedule does not filter", nodes: []*corev1.Node{node("a", tainted("x", "", corev1.TaintEffectPreferNoSchedule))}, pod: pod("p"),
			want: map[string]string{"a": ok}},
		{name: "not ready and unknown nodes", nodes: []*corev1.Node{node("a", ready(corev1.ConditionFalse)), node("b", ready(corev1.ConditionUnknown)), node("c")},
			pod: pod("p"), want: map[string]string{"a": taintNo, "b": taintNo, "c": ok}},
		{name: "a DaemonSet pod tolerates not-ready", nodes: []*corev1.Node{node("a", ready(corev1.ConditionFalse))},
			pod: pod("p", tolerates(corev1.TaintNodeNotReady, "", corev1.TolerationOpExists, corev1.TaintEffectNoSchedule)), want: map[string]string{"a": ok}},
	})
}

func TestNodeAffinityFilter(t *testing.T) {
	ssd := labelled("disk", "ssd", "zone", "z1")
	hdd := labelled("disk", "hdd", "zone", "z2", "cores", "8")
	nodes := []*corev1.Node{node("a", ssd), node("b", hdd)}
	required := func(terms ...corev1.NodeSelectorTerm) podOpt {
		return affinity(&corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}})
	}
	expr := func(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	runFilterCases(t, NodeAffinity{}, []filterCase{
		{name: "nodeSelector", nodes: nodes, pod: pod("p", selector("disk", "ssd")), want: map[string]string{"a": ok, "b": affNo}},
		{name: "nodeSelector on a missing label", nodes: nodes, pod: pod("p", selector("gpu", "yes")), want: map[string]string{"a": affNo, "b": affNo}},
		{name: "In", nodes: nodes, pod: pod("p", required(expr("zone", corev1.NodeSelectorOpIn, "z2", "z3"))), want: map[string]string{"a": affNo, "b": ok}},
		{name: "NotIn", nodes: nodes, pod: pod("p", required(expr("zone", corev1.NodeSelectorOpNotIn, "z2"))), want: map[string]string{"a": ok, "b": affNo}},
		{name: "Exists", nodes: nodes, pod: pod("p", required(expr("cores", corev1.NodeSelectorOpExists))), want: map[string]string{"a": affNo, "b": ok}},
		{name: "DoesNotExist", nodes: nodes, pod: pod("p", required(expr("cores", corev1.NodeSelectorOpDoesNotExist))), want: map[string]string{"a": ok, "b": affNo}},
		{name: "Gt", nodes: nodes, pod: pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "4"))), want: map[string]string{"a": affNo, "b": ok}},
		{name: "Lt", nodes: nodes, pod: pod("p", required(expr("cores", corev1.NodeSelectorOpLt, "4"))), want: map[string]string{"a": affNo, "b": affNo}},
		{name: "terms are ORed", nodes: nodes, pod: pod("p", required(expr("zone", corev1.NodeSelectorOpIn, "z1"), expr("disk", corev1.NodeSelectorOpIn, "hdd"))),
			want: map[string]string{"a": ok, "b": ok}},
		{name: "an empty term matches nothing", nodes: nodes, pod: pod("p", required(corev1.NodeSelectorTerm{})), want: map[string]string{"a": affNo, "b": affNo}},
		{name: "matchFields on the name", nodes: nodes, pod: pod("p", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}})), want: map[string]string{"a": affNo, "b": ok}},
		{name: "selector and affinity both apply", nodes: nodes, pod: pod("p", selector("disk", "ssd"), required(expr("zone", corev1.NodeSelectorOpIn, "z2"))),
			want: map[string]string{"a": affNo, "b": affNo}},
		{name: "an unparsable term matches nothing, the others still may", nodes: nodes,
			pod:  pod("p", required(expr("zone", "Bogus", "z1"), expr("disk", corev1.NodeSelectorOpIn, "hdd"))),
			want: map[string]string{"a": affNo, "b": ok}},
		// Upstream's API rejects these; the scheduler still must not place by them.
		{name: "matchFields takes one name only", nodes: nodes, pod: pod("p", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}})), want: map[string]string{"a": affNo, "b": affNo}},
		{name: "matchFields Exists is not a field selector", nodes: nodes, pod: pod("p", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpExists}}})), want: map[string]string{"a": affNo, "b": affNo}},
	})
}

func TestNodePortsFilter(t *testing.T) {
	nodes := []*corev1.Node{node("a"), node("b")}
	taken := pod("web", on("a"), hostPortOpt(8080, ""))
	no := "Unschedulable: " + nodePortsReason
	runFilterCases(t, NodePorts{}, []filterCase{
		{name: "port taken", nodes: nodes, existing: []*corev1.Pod{taken}, pod: pod("p", hostPortOpt(8080, "")), want: map[string]string{"a": no, "b": ok}},
		{name: "other port", nodes: nodes, existing: []*corev1.Pod{taken}, pod: pod("p", hostPortOpt(8081, "")), want: map[string]string{"a": ok, "b": ok}},
		{name: "specific address against every address", nodes: nodes, existing: []*corev1.Pod{taken}, pod: pod("p", hostPortOpt(8080, "127.0.0.2")),
			want: map[string]string{"a": no, "b": ok}},
		{name: "two specific addresses", nodes: nodes, existing: []*corev1.Pod{pod("w", on("a"), hostPortOpt(8080, "127.0.0.1"))},
			pod: pod("p", hostPortOpt(8080, "127.0.0.2")), want: map[string]string{"a": ok, "b": ok}},
		{name: "no host ports", nodes: nodes, existing: []*corev1.Pod{taken}, pod: pod("p"), want: map[string]string{"a": ok, "b": ok}},
	})
}

func TestNodeResourcesFitFilter(t *testing.T) {
	small := allocatable("1", "1Gi", "2")
	runFilterCases(t, NodeResourcesFit{}, []filterCase{
		{name: "fits", nodes: []*corev1.Node{node("a", small)}, pod: pod("p", requests("500m", "512Mi")), want: map[string]string{"a": ok}},
		{name: "cpu used up", nodes: []*corev1.Node{node("a", small)}, existing: []*corev1.Pod{pod("x", on("a"), requests("800m", ""))},
			pod: pod("p", requests("500m", "")), want: map[string]string{"a": "Unschedulable: Insufficient cpu"}},
		{name: "bigger than the node", nodes: []*corev1.Node{node("a", small)}, pod: pod("p", requests("2", "2Gi")),
			want: map[string]string{"a": "UnschedulableAndUnresolvable: Insufficient cpu, Insufficient memory"}},
		{name: "too many pods", nodes: []*corev1.Node{node("a", small)}, existing: []*corev1.Pod{pod("x", on("a")), pod("y", on("a"))},
			pod: pod("p"), want: map[string]string{"a": "Unschedulable: Too many pods"}},
		{name: "best effort fits a full node", nodes: []*corev1.Node{node("a", small)}, existing: []*corev1.Pod{pod("x", on("a"), requests("1", "1Gi"))},
			pod: pod("p"), want: map[string]string{"a": ok}},
	})
}

func TestInterPodAffinityFilter(t *testing.T) {
	nodes := []*corev1.Node{node("a", labelled("zone", "z1")), node("b", labelled("zone", "z1")), node("c", labelled("zone", "z2")), node("d")}
	web := pod("web", on("a"), podLabels("app", "web"))
	antiWeb := func(key string) podOpt {
		return affinity(&corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{podTermOf(key, "app", "web")}}})
	}
	withWeb := func(key string) podOpt {
		return affinity(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{podTermOf(key, "app", "web")}}})
	}
	anti := "Unschedulable: " + antiAffinityReason
	aff := "UnschedulableAndUnresolvable: " + affinityReason
	existing := "Unschedulable: " + existingAntiAffinityReason
	runFilterCases(t, InterPodAffinity{}, []filterCase{
		{name: "anti-affinity by host", nodes: nodes, existing: []*corev1.Pod{web}, pod: pod("p", podLabels("app", "web"), antiWeb(corev1.LabelHostname)),
			want: map[string]string{"a": anti, "b": ok, "c": ok, "d": ok}},
		{name: "anti-affinity by zone", nodes: nodes, existing: []*corev1.Pod{web}, pod: pod("p", antiWeb("zone")),
			want: map[string]string{"a": anti, "b": anti, "c": ok, "d": ok}},
		{name: "anti-affinity in another namespace does not match", nodes: nodes,
			existing: []*corev1.Pod{func() *corev1.Pod { p := pod("web", on("a"), podLabels("app", "web")); p.Namespace = "other"; return p }()},
			pod:      pod("p", antiWeb(corev1.LabelHostname)), want: map[string]string{"a": ok, "b": ok, "c": ok, "d": ok}},
		{name: "affinity by zone", nodes: nodes, existing: []*corev1.Pod{web}, pod: pod("p", withWeb("zone")),
			want: map[string]string{"a": ok, "b": ok, "c": aff, "d": aff}},
		{name: "affinity to nothing, first of its kind", nodes: nodes, pod: pod("p", podLabels("app", "web"), withWeb("zone")),
			want: map[string]string{"a": ok, "b": ok, "c": ok, "d": aff}},
		{name: "affinity to nothing, not its own kind", nodes: nodes, pod: pod("p", withWeb("zone")),
			want: map[string]string{"a": aff, "b": aff, "c": aff, "d": aff}},
		{name: "an existing pod's anti-affinity (symmetry)", nodes: nodes,
			existing: []*corev1.Pod{pod("db", on("c"), antiWeb("zone"))}, pod: pod("p", podLabels("app", "web")),
			want: map[string]string{"a": ok, "b": ok, "c": existing, "d": ok}},
		{name: "namespaceSelector {} selects every namespace", nodes: nodes,
			existing: []*corev1.Pod{func() *corev1.Pod { p := pod("web", on("a"), podLabels("app", "web")); p.Namespace = "other"; return p }()},
			pod: pod("p", affinity(&corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
				func() corev1.PodAffinityTerm {
					t := podTermOf(corev1.LabelHostname, "app", "web")
					t.NamespaceSelector = &metav1.LabelSelector{}
					return t
				}()}}})),
			want: map[string]string{"a": anti, "b": ok, "c": ok, "d": ok}},
	})
}

func TestPodTopologySpreadFilter(t *testing.T) {
	nodes := []*corev1.Node{node("a", labelled("zone", "z1")), node("b", labelled("zone", "z1")), node("c", labelled("zone", "z2")), node("d")}
	web := func(name, on_ string) *corev1.Pod { return pod(name, on(on_), podLabels("app", "web")) }
	no := "Unschedulable: " + spreadReason
	missing := "UnschedulableAndUnresolvable: " + spreadLabelReason
	runFilterCases(t, PodTopologySpread{}, []filterCase{
		{name: "zone skew 1", nodes: nodes, existing: []*corev1.Pod{web("w1", "a"), web("w2", "b")},
			pod:  pod("p", podLabels("app", "web"), spread("zone", 1, corev1.DoNotSchedule, "app", "web")),
			want: map[string]string{"a": no, "b": no, "c": ok, "d": missing}},
		{name: "zone skew 2", nodes: nodes, existing: []*corev1.Pod{web("w1", "a"), web("w2", "b")},
			pod:  pod("p", podLabels("app", "web"), spread("zone", 2, corev1.DoNotSchedule, "app", "web")),
			want: map[string]string{"a": no, "b": no, "c": ok, "d": missing}},
		{name: "hostname skew 1", nodes: nodes[:3], existing: []*corev1.Pod{web("w1", "a")},
			pod:  pod("p", podLabels("app", "web"), spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, "app", "web")),
			want: map[string]string{"a": no, "b": ok, "c": ok}},
		{name: "not matching itself", nodes: nodes[:3], existing: []*corev1.Pod{web("w1", "a")},
			pod:  pod("p", spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, "app", "web")),
			want: map[string]string{"a": ok, "b": ok, "c": ok}},
		{name: "ScheduleAnyway does not filter", nodes: nodes, existing: []*corev1.Pod{web("w1", "a")},
			pod:  pod("p", podLabels("app", "web"), spread("zone", 1, corev1.ScheduleAnyway, "app", "web")),
			want: map[string]string{"a": ok, "b": ok, "c": ok, "d": ok}},
		{name: "nodes outside the nodeSelector do not count", nodes: nodes, existing: []*corev1.Pod{web("w1", "a")},
			pod:  pod("p", podLabels("app", "web"), selector("zone", "z1"), spread("zone", 1, corev1.DoNotSchedule, "app", "web")),
			want: map[string]string{"a": ok, "b": ok, "c": ok, "d": missing}},
	})
}
