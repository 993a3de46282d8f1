package statefulset

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

// fakePods records what the updater asks for, in order.
type fakePods struct {
	mu      sync.Mutex
	actions []string
	stale   bool
}

func (f *fakePods) record(verb string, pod *corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, verb+" "+pod.Name)
}

func (f *fakePods) createPod(_ context.Context, _ *appsv1.StatefulSet, pod *corev1.Pod) error {
	f.record("create", pod)
	return nil
}
func (f *fakePods) updatePod(_ context.Context, _ *appsv1.StatefulSet, pod *corev1.Pod) error {
	f.record("update", pod)
	return nil
}
func (f *fakePods) deletePod(_ context.Context, _ *appsv1.StatefulSet, pod *corev1.Pod) error {
	f.record("delete", pod)
	return nil
}
func (f *fakePods) createMissingClaims(context.Context, *appsv1.StatefulSet, *corev1.Pod) error {
	return nil
}
func (f *fakePods) claimsMatchPolicy(*appsv1.StatefulSet, *corev1.Pod) (bool, error) {
	return true, nil
}
func (f *fakePods) fixClaimOwners(context.Context, *appsv1.StatefulSet, *corev1.Pod) error {
	return nil
}
func (f *fakePods) claimIsStale(*appsv1.StatefulSet, *corev1.Pod) (bool, error) { return f.stale, nil }

var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func newSet(replicas int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "set-uid", Generation: 1},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: "nginx",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "www"}}},
			PodManagementPolicy:  appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)},
			},
			RevisionHistoryLimit: ptr.To[int32](10),
		},
	}
}

// pod makes pod `ord` of set at revision rev in the given state.
func pod(set *appsv1.StatefulSet, ord int, rev, state string) *corev1.Pod {
	p := newPod(set, ord)
	p.UID = types.UID(fmt.Sprintf("pod-uid-%d", ord))
	setRevision(p, rev)
	switch state {
	case "pending":
		p.Status.Phase = corev1.PodPending
	case "ready":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(testNow.Add(-time.Hour))}}
	case "running":
		p.Status.Phase = corev1.PodRunning
	case "failed":
		p.Status.Phase = corev1.PodFailed
	case "terminating":
		p.Status.Phase = corev1.PodRunning
		p.DeletionTimestamp = ptr.To(metav1.NewTime(testNow))
	}
	return p
}

func runUpdate(t *testing.T, set *appsv1.StatefulSet, pods ...*corev1.Pod) ([]string, *appsv1.StatefulSetStatus, *record.FakeRecorder) {
	t.Helper()
	f := &fakePods{}
	rec := record.NewFakeRecorder(10)
	u := &updater{pods: f, events: rec, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return testNow }}
	updateSet := set.DeepCopy()
	updateSet.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	revs := revisions{currentSet: set, updateSet: updateSet, currentName: "web-old", updateName: "web-new"}
	if set.Spec.Template.Spec.Containers[0].Image == "nginx:2" {
		revs.currentName = "web-new"
	}
	status, err := u.update(context.Background(), set, revs, pods)
	if err != nil {
		t.Fatal(err)
	}
	return f.actions, status, rec
}

func TestOrderedReadyCreatesOneAtATimeInOrdinalOrder(t *testing.T) {
	set := newSet(3)
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2" // no update in flight
	cases := []struct {
		name string
		pods []*corev1.Pod
		want []string
	}{
		{"empty set: only the first", nil, []string{"create web-0"}},
		{"first pending: wait", []*corev1.Pod{pod(set, 0, "web-new", "pending")}, nil},
		{"first running, not ready: wait", []*corev1.Pod{pod(set, 0, "web-new", "running")}, nil},
		{"first ready: the second", []*corev1.Pod{pod(set, 0, "web-new", "ready")}, []string{"create web-1"}},
		{"a gap is filled before going on", []*corev1.Pod{pod(set, 0, "web-new", "ready"), pod(set, 2, "web-new", "ready")}, []string{"create web-1"}},
		{"terminating pod blocks scale up", []*corev1.Pod{pod(set, 0, "web-new", "terminating")}, nil},
		{"all ready: nothing", []*corev1.Pod{pod(set, 0, "web-new", "ready"), pod(set, 1, "web-new", "ready"), pod(set, 2, "web-new", "ready")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _ := runUpdate(t, set, tc.pods...)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("actions %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParallelCreatesAndDeletesAllAtOnce(t *testing.T) {
	set := newSet(3)
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	got, _, _ := runUpdate(t, set)
	slices.Sort(got)
	if want := []string{"create web-0", "create web-1", "create web-2"}; !slices.Equal(got, want) {
		t.Fatalf("actions %q, want %q", got, want)
	}
	set.Spec.Replicas = ptr.To[int32](0)
	got, _, _ = runUpdate(t, set, pod(set, 0, "web-new", "pending"), pod(set, 1, "web-new", "ready"), pod(set, 2, "web-new", "running"))
	slices.Sort(got)
	if want := []string{"delete web-0", "delete web-1", "delete web-2"}; !slices.Equal(got, want) {
		t.Fatalf("scale to 0: actions %q, want %q", got, want)
	}
}

func TestScaleDownGoesInReverseOrderOneAtATime(t *testing.T) {
	set := newSet(1)
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	ready := func(ord int) *corev1.Pod { return pod(set, ord, "web-new", "ready") }
	cases := []struct {
		name string
		pods []*corev1.Pod
		want []string
	}{
		{"highest first", []*corev1.Pod{ready(0), ready(1), ready(2)}, []string{"delete web-2"}},
		{"wait while it terminates", []*corev1.Pod{ready(0), ready(1), pod(set, 2, "web-new", "terminating")}, nil},
		{"then the next", []*corev1.Pod{ready(0), ready(1)}, []string{"delete web-1"}},
		{"an unhealthy replica blocks scale down", []*corev1.Pod{pod(set, 0, "web-new", "running"), ready(1)}, nil},
		{"the lowest unhealthy condemned pod may go", []*corev1.Pod{ready(0), pod(set, 1, "web-new", "running")}, []string{"delete web-1"}},
		{"a healthy condemned pod goes above an unhealthy one", []*corev1.Pod{ready(0), pod(set, 1, "web-new", "running"), ready(2)}, []string{"delete web-2"}},
		{"an unhealthy condemned pod above the lowest unhealthy waits",
			[]*corev1.Pod{ready(0), pod(set, 1, "web-new", "running"), pod(set, 2, "web-new", "running")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _ := runUpdate(t, set, tc.pods...)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("actions %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRollingUpdateRespectsPartitionAndMaxUnavailable(t *testing.T) {
	old := func(set *appsv1.StatefulSet, ord int) *corev1.Pod { return pod(set, ord, "web-old", "ready") }
	upd := func(set *appsv1.StatefulSet, ord int) *corev1.Pod { return pod(set, ord, "web-new", "ready") }
	cases := []struct {
		name           string
		partition      int32
		maxUnavailable *intstr.IntOrString
		onDelete       bool
		pods           func(*appsv1.StatefulSet) []*corev1.Pod
		want           []string
	}{
		{"highest ordinal first", 0, nil, false,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), old(s, 2)} },
			[]string{"delete web-2"}},
		{"then the one below", 0, nil, false,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), upd(s, 2)} },
			[]string{"delete web-1"}},
		{"waits while an updated pod is not ready", 0, nil, false,
			func(s *appsv1.StatefulSet) []*corev1.Pod {
				return []*corev1.Pod{old(s, 0), old(s, 1), pod(s, 2, "web-new", "running")}
			}, nil},
		{"partition holds lower ordinals", 2, nil, false,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), upd(s, 2)} },
			nil},
		{"maxUnavailable 2 deletes two", 0, ptr.To(intstr.FromInt32(2)), false,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), old(s, 2)} },
			[]string{"delete web-2", "delete web-1"}},
		{"maxUnavailable 67% of 3 rounds down to 2", 0, ptr.To(intstr.FromString("67%")), false,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), old(s, 2)} },
			[]string{"delete web-2", "delete web-1"}},
		{"OnDelete leaves pods alone", 0, nil, true,
			func(s *appsv1.StatefulSet) []*corev1.Pod { return []*corev1.Pod{old(s, 0), old(s, 1), old(s, 2)} },
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(3)
			set.Spec.UpdateStrategy.RollingUpdate.Partition = &tc.partition
			set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = tc.maxUnavailable
			if tc.onDelete {
				set.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
			}
			got, _, _ := runUpdate(t, set, tc.pods(set)...)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("actions %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewPodsBelowThePartitionGetTheCurrentRevision(t *testing.T) {
	set := newSet(3)
	set.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2)
	updateSet := set.DeepCopy()
	updateSet.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	for ord, want := range map[int]string{0: "web-old nginx:1", 1: "web-old nginx:1", 2: "web-new nginx:2"} {
		p := newVersionedPod(set, updateSet, "web-old", "web-new", ord)
		if got := revisionOf(p) + " " + p.Spec.Containers[0].Image; got != want {
			t.Errorf("pod %d: %s, want %s", ord, got, want)
		}
	}
}

func TestFailedPodIsRecreated(t *testing.T) {
	set := newSet(2)
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	got, _, rec := runUpdate(t, set, pod(set, 0, "web-new", "failed"), pod(set, 1, "web-new", "ready"))
	if want := []string{"delete web-0", "create web-0"}; !slices.Equal(got, want) {
		t.Fatalf("actions %q, want %q", got, want)
	}
	if e := <-rec.Events; e != "Warning RecreatingFailedPod StatefulSet default/web is recreating failed Pod web-0" {
		t.Fatalf("event %q", e)
	}
}

func TestStalePVCBlocksCreation(t *testing.T) {
	set := newSet(1)
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	f := &fakePods{stale: true}
	u := &updater{pods: f, events: record.NewFakeRecorder(10), logger: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return testNow }}
	if _, err := u.update(context.Background(), set, revisions{currentSet: set, updateSet: set, currentName: "a", updateName: "a"}, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.actions) != 0 {
		t.Fatalf("actions %q with a stale claim, want none", f.actions)
	}
}

func TestStatusCountsPods(t *testing.T) {
	set := newSet(3)
	set.Spec.MinReadySeconds = 7200 // ready an hour ago: not yet available
	_, status, _ := runUpdate(t, set, pod(set, 0, "web-old", "ready"), pod(set, 1, "web-old", "ready"),
		pod(set, 2, "web-new", "pending"), pod(set, 3, "web-old", "terminating"))
	got := fmt.Sprintf("replicas=%d ready=%d available=%d current=%d updated=%d gen=%d cur=%s upd=%s",
		status.Replicas, status.ReadyReplicas, status.AvailableReplicas, status.CurrentReplicas, status.UpdatedReplicas,
		status.ObservedGeneration, status.CurrentRevision, status.UpdateRevision)
	if want := "replicas=4 ready=2 available=0 current=2 updated=1 gen=1 cur=web-old upd=web-new"; got != want {
		t.Fatalf("status %s\nwant      %s", got, want)
	}
}

func TestNewPodIdentity(t *testing.T) {
	set := newSet(3)
	set.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5}
	p := newPod(set, 6)
	got := []string{p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels[appsv1.StatefulSetPodNameLabel], p.Labels[appsv1.PodIndexLabel],
		p.Spec.Volumes[0].Name, p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName, metav1.GetControllerOf(p).Name}
	want := []string{"web-6", "web-6", "nginx", "web-6", "6", "www", "www-web-6", "web"}
	if !slices.Equal(got, want) {
		t.Fatalf("identity %q, want %q", got, want)
	}
	if !identityMatches(set, p) || !storageMatches(set, p) {
		t.Fatal("a new pod does not match its own identity or storage")
	}
	if !inOrdinalRange(set, p) || inOrdinalRange(set, newPod(set, 8)) || inOrdinalRange(set, newPod(set, 4)) {
		t.Fatal("ordinal range with start 5 and 3 replicas is not 5..7")
	}
	for name, want := range map[string]int{"web-0": 0, "web-12": 12, "web": -1, "web-": -1, "web-x1": -1, "a-b-3": 3} {
		if _, got := parentAndOrdinal(name); got != want {
			t.Errorf("ordinal of %q = %d, want %d", name, got, want)
		}
	}
	if !strings.HasPrefix(claimsFor(set, p)[0].Name, "www-web-6") || claimsFor(set, p)[0].Labels["app"] != "web" {
		t.Fatalf("claim %+v", claimsFor(set, p)[0].ObjectMeta)
	}
}

func TestOrderedReadyWaitsForMinReadySecondsAndFixesIdentity(t *testing.T) {
	set := newSet(2)
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	set.Spec.MinReadySeconds = 7200 // web-0 has been ready for an hour only
	if got, _, _ := runUpdate(t, set, pod(set, 0, "web-new", "ready")); len(got) != 0 {
		t.Fatalf("actions %q before web-0 is available, want none", got)
	}
	set.Spec.MinReadySeconds = 60
	if got, _, _ := runUpdate(t, set, pod(set, 0, "web-new", "ready")); !slices.Equal(got, []string{"create web-1"}) {
		t.Fatalf("actions %q once web-0 is available, want create web-1", got)
	}
	// A pod whose identity label was removed is put right.
	p := pod(set, 0, "web-new", "ready")
	delete(p.Labels, appsv1.StatefulSetPodNameLabel)
	if got, _, _ := runUpdate(t, set, p, pod(set, 1, "web-new", "ready")); !slices.Equal(got, []string{"update web-0"}) {
		t.Fatalf("actions %q for a pod without its name label, want update web-0", got)
	}
}
