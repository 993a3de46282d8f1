package daemonset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func rollingDS(surge, unavailable *intstr.IntOrString) *appsv1.DaemonSet {
	ds := dsWith(nil)
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{
		Type:          appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: surge, MaxUnavailable: unavailable},
	}
	return ds
}

func ip(i int) *intstr.IntOrString     { v := intstr.FromInt32(int32(i)); return &v }
func pct(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }

func TestLimits(t *testing.T) {
	onDelete := dsWith(nil)
	onDelete.Spec.UpdateStrategy.Type = appsv1.OnDeleteDaemonSetStrategyType
	for _, tc := range []struct {
		name               string
		ds                 *appsv1.DaemonSet
		desired            int
		surge, unavailable int
	}{
		{"defaults", rollingDS(ip(0), ip(1)), 5, 0, 1},
		{"absolute", rollingDS(ip(2), ip(0)), 5, 2, 0},
		{"percent rounds up", rollingDS(nil, pct("30%")), 5, 0, 2},
		{"surge percent rounds up", rollingDS(pct("10%"), ip(0)), 5, 1, 0},
		{"both zero allows one", rollingDS(ip(0), ip(0)), 5, 0, 1},
		{"both zero on no nodes", rollingDS(ip(0), ip(0)), 0, 0, 0},
		{"zero percent of few", rollingDS(pct("0%"), pct("0%")), 3, 0, 1},
		{"OnDelete", onDelete, 5, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, u, err := limits(tc.ds, tc.desired)
			if err != nil || s != tc.surge || u != tc.unavailable {
				t.Errorf("limits = %d, %d, %v; want %d, %d", s, u, err, tc.surge, tc.unavailable)
			}
		})
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// dpod is a daemon pod on node of revision rev, ready since readyAt (nil: not ready).
func dpod(name, node, rev string, readyAt *time.Time) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{hashLabel: rev}, CreationTimestamp: metav1.NewTime(t0)},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if readyAt != nil {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(*readyAt)}}
	}
	return p
}

func TestPlanRollout(t *testing.T) {
	ready := &t0
	now := t0.Add(time.Minute)
	justReady := now.Add(-time.Second)
	names := func(ps []*corev1.Pod) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		ds         *appsv1.DaemonSet
		minReady   int32
		byNode     map[string][]*corev1.Pod
		wantDelete []string
		wantCreate []string
	}{
		{
			name: "maxUnavailable 1: one old pod at a time",
			ds:   rollingDS(ip(0), ip(1)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready)}, "b": {dpod("b-old", "b", "v1", ready)}, "c": {dpod("c-old", "c", "v1", ready)},
			},
			wantDelete: []string{"a-old"},
		},
		{
			name: "maxUnavailable 2",
			ds:   rollingDS(ip(0), ip(2)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready)}, "b": {dpod("b-old", "b", "v1", ready)}, "c": {dpod("c-old", "c", "v1", ready)},
			},
			wantDelete: []string{"a-old", "b-old"},
		},
		{
			name: "a new pod not yet ready uses up the budget",
			ds:   rollingDS(ip(0), ip(1)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-new", "a", "v2", nil)}, "b": {dpod("b-old", "b", "v1", ready)}, "c": {dpod("c-old", "c", "v1", ready)},
			},
		},
		{
			name: "a node without a pod uses up the budget",
			ds:   rollingDS(ip(0), ip(1)),
			byNode: map[string][]*corev1.Pod{
				"a": nil, "b": {dpod("b-old", "b", "v1", ready)},
			},
		},
		{
			name: "unavailable old pods are replaced regardless",
			ds:   rollingDS(ip(0), ip(1)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-new", "a", "v2", nil)}, "b": {dpod("b-old", "b", "v1", nil)}, "c": {dpod("c-old", "c", "v1", ready)},
			},
			wantDelete: []string{"b-old"},
		},
		{
			name:     "minReadySeconds: a just-ready new pod is not available yet",
			ds:       rollingDS(ip(0), ip(1)),
			minReady: 10,
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-new", "a", "v2", &justReady)}, "b": {dpod("b-old", "b", "v1", ready)},
			},
		},
		{
			name: "everything updated: nothing to do",
			ds:   rollingDS(ip(0), ip(1)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-new", "a", "v2", ready)}, "b": {dpod("b-new", "b", "v2", ready)},
			},
		},
		{
			name: "surge 1: one new pod beside an old one",
			ds:   rollingDS(ip(1), ip(0)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready)}, "b": {dpod("b-old", "b", "v1", ready)},
			},
			wantCreate: []string{"a"},
		},
		{
			name: "surge: old pod goes when the new one is available, next node surges",
			ds:   rollingDS(ip(1), ip(0)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready), dpod("a-new", "a", "v2", ready)}, "b": {dpod("b-old", "b", "v1", ready)},
			},
			wantDelete: []string{"a-old"},
			wantCreate: []string{"b"},
		},
		{
			name: "surge: waits while the new pod is not available",
			ds:   rollingDS(ip(1), ip(0)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready), dpod("a-new", "a", "v2", nil)}, "b": {dpod("b-old", "b", "v1", ready)},
			},
		},
		{
			name: "surge: an unavailable old pod gets its new pod at once",
			ds:   rollingDS(ip(1), ip(0)),
			byNode: map[string][]*corev1.Pod{
				"a": {dpod("a-old", "a", "v1", ready), dpod("a-new", "a", "v2", nil)}, "b": {dpod("b-old", "b", "v1", nil)},
			},
			wantCreate: []string{"b"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ds.Spec.MinReadySeconds = tc.minReady
			surge, unavailable, err := limits(tc.ds, len(tc.byNode))
			if err != nil {
				t.Fatal(err)
			}
			got := planRollout(tc.ds, tc.byNode, "v2", surge, unavailable, now, func(string) bool { return true })
			if d := names(got.deletePods); !slices.Equal(d, tc.wantDelete) {
				t.Errorf("delete %v, want %v", d, tc.wantDelete)
			}
			if !slices.Equal(got.createNodes, tc.wantCreate) {
				t.Errorf("create on %v, want %v", got.createNodes, tc.wantCreate)
			}
		})
	}
}
