package scheduler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Builders for the tables: nodes and pods described in a line each.

type nodeOpt func(*corev1.Node)

func node(name string, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("4"),
				corev1.ResourceMemory: resource.MustParse("8Gi"),
				corev1.ResourcePods:   resource.MustParse("110"),
			},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func labelled(kv ...string) nodeOpt {
	return func(n *corev1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func tainted(key, value string, effect corev1.TaintEffect) nodeOpt {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func allocatable(cpu, mem, pods string) nodeOpt {
	return func(n *corev1.Node) {
		n.Status.Allocatable = corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(mem),
			corev1.ResourcePods:   resource.MustParse(pods),
		}
	}
}

func ready(s corev1.ConditionStatus) nodeOpt {
	return func(n *corev1.Node) { n.Status.Conditions[0].Status = s }
}

type podOpt func(*corev1.Pod)

var podSeq int

func pod(name string, opts ...podOpt) *corev1.Pod {
	podSeq++
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(fmt.Sprintf("uid-%s-%d", name, podSeq)),
			Labels: map[string]string{}, CreationTimestamp: metav1.NewTime(time.Unix(1000, 0))},
		Spec: corev1.PodSpec{SchedulerName: DefaultSchedulerName, Containers: []corev1.Container{{Name: "c"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func on(nodeName string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = nodeName } }

func podLabels(kv ...string) podOpt {
	return func(p *corev1.Pod) {
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func requests(cpu, mem string) podOpt {
	return func(p *corev1.Pod) {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		p.Spec.Containers[0].Resources.Requests = l
	}
}

func priority(v int32) podOpt { return func(p *corev1.Pod) { p.Spec.Priority = &v } }

func created(sec int64) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(time.Unix(sec, 0)) }
}

func tolerates(key, value string, op corev1.TolerationOperator, effect corev1.TaintEffect) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: key, Value: value, Operator: op, Effect: effect})
	}
}

func selector(kv ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func affinity(a *corev1.Affinity) podOpt { return func(p *corev1.Pod) { p.Spec.Affinity = a } }

func hostPortOpt(port int32, ip string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 80, HostPort: port, HostIP: ip})
	}
}

func spread(key string, maxSkew int32, when corev1.UnsatisfiableConstraintAction, matchLabels ...string) podOpt {
	return func(p *corev1.Pod) {
		ml := map[string]string{}
		for i := 0; i+1 < len(matchLabels); i += 2 {
			ml[matchLabels[i]] = matchLabels[i+1]
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: &metav1.LabelSelector{MatchLabels: ml}})
	}
}

func podTermOf(key string, kv ...string) corev1.PodAffinityTerm {
	ml := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		ml[kv[i]] = kv[i+1]
	}
	return corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: ml}}
}

// cluster builds a snapshot from nodes and the pods bound to them.
func cluster(nodes []*corev1.Node, pods ...*corev1.Pod) *Snapshot {
	infos := map[string]*NodeInfo{}
	var list []*NodeInfo
	for _, n := range nodes {
		ni := newNodeInfo(n)
		infos[n.Name] = ni
		list = append(list, ni)
	}
	for _, p := range pods {
		infos[p.Spec.NodeName].addPod(p)
	}
	return NewSnapshot(list...)
}

// filterAll runs plugin's PreFilter (if any) and Filter on every node and returns
// "node: code reasons" per node, or "node: ok".
func filterAll(t *testing.T, pl Plugin, p *corev1.Pod, snap *Snapshot) map[string]string {
	t.Helper()
	c := NewCycle(p, snap)
	out := map[string]string{}
	if pf, ok := pl.(PreFilterPlugin); ok {
		s := pf.PreFilter(c)
		if s.Code() == Skip {
			for _, n := range snap.Nodes {
				out[n.Name()] = "ok"
			}
			return out
		}
		if !s.IsSuccess() {
			t.Fatalf("PreFilter: %v", s)
		}
	}
	for _, n := range snap.Nodes {
		out[n.Name()] = describe(pl.(FilterPlugin).Filter(c, n))
	}
	return out
}

func describe(s *Status) string {
	switch s.Code() {
	case Success:
		return "ok"
	case Unschedulable:
		return "Unschedulable: " + strings.Join(s.Reasons(), ", ")
	case UnschedulableAndUnresolvable:
		return "UnschedulableAndUnresolvable: " + strings.Join(s.Reasons(), ", ")
	}
	return fmt.Sprintf("code %d: %v", s.Code(), s.Reasons())
}

// scoreAll runs a scorer over every node of snap (all taken as feasible) and returns
// the normalized scores by node.
func scoreAll(t *testing.T, pl ScorePlugin, p *corev1.Pod, snap *Snapshot) map[string]int64 {
	t.Helper()
	c := NewCycle(p, snap)
	if pf, ok := pl.(PreFilterPlugin); ok {
		pf.PreFilter(c)
	}
	if ps, ok := pl.(PreScorePlugin); ok {
		if s := ps.PreScore(c, snap.Nodes); s.Code() == Skip {
			return nil
		}
	}
	scores := make([]int64, len(snap.Nodes))
	for i, n := range snap.Nodes {
		scores[i] = pl.Score(c, n)
	}
	pl.Normalize(c, snap.Nodes, scores)
	out := map[string]int64{}
	for i, n := range snap.Nodes {
		out[n.Name()] = scores[i]
	}
	return out
}
