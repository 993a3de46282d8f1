package deployment

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func rolling(replicas int32, surge, unavailable string) *appsv1.Deployment {
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Replicas: &replicas,
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.Parse(surge)), MaxUnavailable: ptr.To(intstr.Parse(unavailable))}},
	}}
}

func recreate(replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: &replicas,
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}
}

// sized is a ReplicaSet of n replicas, available of them available, created at age
// seconds after the epoch, sized for a Deployment of maxReplicas (0: no annotation).
func sized(name string, n, available int32, age int, maxReplicas int) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Unix(int64(age), 0))},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &n},
		Status:     appsv1.ReplicaSetStatus{Replicas: n, AvailableReplicas: available},
	}
	if maxReplicas > 0 {
		rs.Annotations = map[string]string{maxReplicasAnnotation: fmt.Sprint(maxReplicas)}
	}
	return rs
}

func TestSurgeAndUnavailability(t *testing.T) {
	for _, tc := range []struct {
		d                 *appsv1.Deployment
		surge, unavailble int32
	}{
		// Percentages: surge rounds up, unavailability down.
		{rolling(10, "25%", "25%"), 3, 2},
		{rolling(4, "25%", "25%"), 1, 1},
		{rolling(3, "25%", "25%"), 1, 0},
		{rolling(1, "25%", "25%"), 1, 0},
		{rolling(3, "50%", "0"), 2, 0},
		{rolling(3, "1", "30%"), 1, 0},
		// Both zero: one may be unavailable, or nothing could move.
		{rolling(5, "0", "0"), 0, 1},
		{rolling(3, "0", "30%"), 0, 1},
		// Never more unavailable than there are replicas.
		{rolling(3, "0", "5"), 0, 3},
		{rolling(3, "0", "100%"), 0, 3},
		{rolling(0, "1", "1"), 1, 0},
		// Recreate neither surges nor counts unavailability.
		{recreate(3), 0, 0},
	} {
		s := tc.d.Spec.Strategy
		name := string(s.Type)
		if s.RollingUpdate != nil {
			name = fmt.Sprintf("%d replicas surge %s unavailable %s", *tc.d.Spec.Replicas, s.RollingUpdate.MaxSurge.String(), s.RollingUpdate.MaxUnavailable.String())
		}
		t.Run(name, func(t *testing.T) {
			if got := maxSurge(tc.d); got != tc.surge {
				t.Errorf("maxSurge = %d, want %d", got, tc.surge)
			}
			if got := maxUnavailable(tc.d); got != tc.unavailble {
				t.Errorf("maxUnavailable = %d, want %d", got, tc.unavailble)
			}
		})
	}
}

func TestNewReplicaSetGrowth(t *testing.T) {
	for _, tc := range []struct {
		name     string
		d        *appsv1.Deployment
		old, new int32
		want     int32
	}{
		{"first step uses the surge", rolling(3, "1", "1"), 3, 0, 1},
		{"grows as old ones shrink", rolling(3, "1", "1"), 2, 1, 2},
		{"no room left", rolling(3, "1", "1"), 3, 1, 1},
		{"never past spec.replicas", rolling(3, "3", "0"), 0, 0, 3},
		{"a large surge is capped by spec.replicas", rolling(10, "100%", "0"), 10, 4, 10},
		{"percent surge of 10", rolling(10, "25%", "25%"), 10, 0, 3},
		{"recreate takes all at once", recreate(3), 0, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldRS, newRS := sized("old", tc.old, tc.old, 0, 0), sized("new", tc.new, 0, 1, 0)
			if got := newRSReplicas(tc.d, []*appsv1.ReplicaSet{oldRS, newRS}, newRS); got != tc.want {
				t.Errorf("new ReplicaSet may grow to %d, want %d", got, tc.want)
			}
		})
	}
}

func TestOldScaleDownRoom(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		d                     *appsv1.Deployment
		old, new, newAvailble int32
		want                  int32
	}{
		// 3 replicas, 2 must stay available.
		{"new pod not yet available", rolling(3, "1", "1"), 3, 1, 0, 1},
		{"new pod available", rolling(3, "1", "1"), 3, 1, 1, 2},
		{"no surge: only the unavailability", rolling(3, "0", "1"), 3, 0, 0, 1},
		{"nothing may go down", rolling(3, "1", "0"), 3, 1, 0, 0},
		{"all new available", rolling(4, "25%", "25%"), 1, 4, 4, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldRS, newRS := sized("old", tc.old, tc.old, 0, 0), sized("new", tc.new, tc.newAvailble, 1, 0)
			if got := oldScaleDownRoom(tc.d, []*appsv1.ReplicaSet{oldRS, newRS}, newRS); got != tc.want {
				t.Errorf("room to scale down = %d, want %d", got, tc.want)
			}
		})
	}
}

// Scaling a Deployment in the middle of a rollout spreads the change over its
// ReplicaSets in proportion to their size.
func TestProportionalScaling(t *testing.T) {
	type rs struct {
		name           string
		n, age, maxAnn int
	}
	for _, tc := range []struct {
		name       string
		d          *appsv1.Deployment
		statusSize int32
		rss        []rs
		want       map[string]int32
		order      []string
	}{
		{
			name: "10 to 20 during a rollout",
			d:    rolling(20, "3", "2"),
			rss:  []rs{{"old", 8, 0, 13}, {"new", 5, 1, 13}},
			want: map[string]int32{"old": 14, "new": 9}, order: []string{"old", "new"},
		},
		{
			name: "20 back to 10",
			d:    rolling(10, "3", "2"),
			rss:  []rs{{"old", 14, 0, 23}, {"new", 9, 1, 23}},
			want: map[string]int32{"old": 8, "new": 5}, order: []string{"old", "new"},
		},
		{
			name: "the rounding leftover goes to the largest, newest first when growing",
			d:    rolling(4, "0", "1"),
			rss:  []rs{{"a", 1, 0, 3}, {"b", 1, 1, 3}, {"c", 1, 2, 3}},
			want: map[string]int32{"a": 1, "b": 1, "c": 2}, order: []string{"c", "b", "a"},
		},
		{
			name: "the rounding leftover comes from the largest, oldest first when shrinking",
			d:    rolling(2, "0", "1"),
			rss:  []rs{{"a", 1, 0, 3}, {"b", 1, 1, 3}, {"c", 1, 2, 3}},
			want: map[string]int32{"a": 0, "b": 1, "c": 1}, order: []string{"a", "b", "c"},
		},
		{
			name: "without annotations the status size is the base",
			d:    rolling(6, "0", "1"), statusSize: 3,
			rss:  []rs{{"old", 2, 0, 0}, {"new", 1, 1, 0}},
			want: map[string]int32{"old": 4, "new": 2}, order: []string{"old", "new"},
		},
		{
			name: "to zero",
			d:    rolling(0, "1", "1"),
			rss:  []rs{{"old", 2, 0, 4}, {"new", 2, 1, 4}},
			want: map[string]int32{"old": 0, "new": 0}, order: []string{"old", "new"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.Status.Replicas = tc.statusSize
			var act []*appsv1.ReplicaSet
			for _, r := range tc.rss {
				act = append(act, sized(r.name, int32(r.n), int32(r.n), r.age, r.maxAnn))
			}
			sorted, sizes := scaleTargets(tc.d, act)
			var order []string
			got := map[string]int32{}
			for i, rs := range sorted {
				order = append(order, rs.Name)
				got[rs.Name] = sizes[i]
			}
			if !slices.Equal(order, tc.order) {
				t.Errorf("order %v, want %v", order, tc.order)
			}
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("sizes %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}
