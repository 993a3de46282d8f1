package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"kite/controllers/controllertest"
	"kite/controllers/worker"
)

// cluster is a fake API server for the controller: status writes change only status
// and annotations, spec writes bump the generation, and a stand-in ReplicaSet
// controller reports every ReplicaSet's pods, all available at once ("instant") or
// never ("stuck"). It checks on every ReplicaSet write that the ReplicaSets' sizes
// stay within spec.replicas+maxSurge and their available pods at or above
// spec.replicas-maxUnavailable.
type cluster struct {
	t      *testing.T
	client *fake.Clientset
	stuck  atomic.Bool
	rv     atomic.Int64

	mu         sync.Mutex
	violations []string
}

var (
	deploymentsGVR = appsv1.SchemeGroupVersion.WithResource("deployments")
	replicaSetsGVR = appsv1.SchemeGroupVersion.WithResource("replicasets")
)

func newCluster(t *testing.T, objs ...runtime.Object) *cluster {
	t.Helper()
	c := &cluster{t: t}
	// Stored objects have a resourceVersion, so that a write from a stale copy of one
	// is a conflict, as it is in the API server.
	for _, o := range objs {
		if m, err := meta.Accessor(o); err == nil && m.GetResourceVersion() == "" {
			m.SetResourceVersion(strconv.FormatInt(c.rv.Add(1), 10))
		}
	}
	c.client = fake.NewClientset(objs...)
	tr := c.client.Tracker()
	c.client.PrependReactor("update", "deployments", func(a clienttesting.Action) (bool, runtime.Object, error) {
		u := a.(clienttesting.UpdateAction)
		in := u.GetObject().(*appsv1.Deployment).DeepCopy()
		cur, err := tr.Get(deploymentsGVR, in.Namespace, in.Name)
		if err != nil {
			return true, nil, err
		}
		stored := cur.(*appsv1.Deployment).DeepCopy()
		// As the API server: a write from a stale copy is a conflict, or a status
		// update could put back annotations the user has just changed.
		if in.ResourceVersion != "" && in.ResourceVersion != stored.ResourceVersion {
			return true, nil, apierrors.NewConflict(appsv1.Resource("deployments"), in.Name, fmt.Errorf("the object has been modified"))
		}
		if u.GetSubresource() == "status" {
			stored.Status, stored.Annotations = in.Status, in.Annotations
		} else {
			if !apiequality.Semantic.DeepEqual(stored.Spec, in.Spec) || !apiequality.Semantic.DeepEqual(stored.Annotations, in.Annotations) {
				in.Generation = stored.Generation + 1
			} else {
				in.Generation = stored.Generation
			}
			in.Status = stored.Status
			stored = in
		}
		stored.ResourceVersion = strconv.FormatInt(c.rv.Add(1), 10)
		return true, stored, tr.Update(deploymentsGVR, stored, stored.Namespace)
	})
	rsWrite := func(a clienttesting.Action) (bool, runtime.Object, error) {
		rs := a.(interface{ GetObject() runtime.Object }).GetObject().(*appsv1.ReplicaSet).DeepCopy()
		if rs.CreationTimestamp.IsZero() {
			// Distinct creation times keep the order of ReplicaSets well defined.
			rs.CreationTimestamp = metav1.NewTime(time.Unix(c.rv.Add(1), 0))
			rs.UID = types.UID("uid-" + rs.Name)
			rs.Generation = 1
		}
		var old *appsv1.ReplicaSet
		if cur, err := tr.Get(replicaSetsGVR, rs.Namespace, rs.Name); err == nil {
			old = cur.(*appsv1.ReplicaSet)
		}
		if a.GetVerb() == "create" && old != nil {
			return true, nil, apierrors.NewAlreadyExists(appsv1.Resource("replicasets"), rs.Name)
		}
		if old != nil && rs.ResourceVersion != "" && rs.ResourceVersion != old.ResourceVersion {
			return true, nil, apierrors.NewConflict(appsv1.Resource("replicasets"), rs.Name, fmt.Errorf("the object has been modified"))
		}
		if old != nil && !apiequality.Semantic.DeepEqual(old.Spec, rs.Spec) {
			rs.Generation = old.Generation + 1
		}
		n := rsReplicas(rs)
		switch {
		case c.stuck.Load() && old != nil:
			rs.Status = old.Status
			rs.Status.Replicas = n
		case c.stuck.Load():
			rs.Status = appsv1.ReplicaSetStatus{Replicas: n}
		default:
			rs.Status = appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
		}
		rs.Status.ObservedGeneration = rs.Generation
		rs.Status.TerminatingReplicas = ptr.To[int32](0)
		rs.ResourceVersion = strconv.FormatInt(c.rv.Add(1), 10)
		var err error
		if old == nil {
			err = tr.Create(replicaSetsGVR, rs, rs.Namespace)
		} else {
			err = tr.Update(replicaSetsGVR, rs, rs.Namespace)
		}
		if err == nil {
			c.check(rs)
		}
		return true, rs, err
	}
	c.client.PrependReactor("create", "replicasets", rsWrite)
	c.client.PrependReactor("update", "replicasets", rsWrite)

	f := informers.NewSharedInformerFactory(c.client, 0)
	ctrl, err := New(Config{Client: c.client, Deployments: f.Apps().V1().Deployments(),
		ReplicaSets: f.Apps().V1().ReplicaSets(), Pods: f.Core().V1().Pods()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.Start(ctx.Done())
	go func() { defer close(done); ctrl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Shutdown()
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, v := range c.violations {
			t.Error(v)
		}
	})
	return c
}

// check records a violation of the rolling-update bounds after rs was written.
func (c *cluster) check(written *appsv1.ReplicaSet) {
	ref := metav1.GetControllerOf(written)
	if ref == nil {
		return
	}
	obj, err := c.client.Tracker().Get(deploymentsGVR, written.Namespace, ref.Name)
	if err != nil {
		return
	}
	d := obj.(*appsv1.Deployment)
	if !isRollingUpdate(d) || d.Spec.Paused {
		return
	}
	list, err := c.client.Tracker().List(replicaSetsGVR, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), written.Namespace)
	if err != nil {
		return
	}
	var size, available int32
	for _, rs := range list.(*appsv1.ReplicaSetList).Items {
		size += rsReplicas(&rs)
		available += rs.Status.AvailableReplicas
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if limit := replicasOf(d) + maxSurge(d); size > limit {
		c.violations = append(c.violations, fmt.Sprintf("after writing %s: %d replicas in all, more than %d", written.Name, size, limit))
	}
	if floor := replicasOf(d) - maxUnavailable(d); available < floor && !c.stuck.Load() && d.Status.AvailableReplicas >= floor {
		c.violations = append(c.violations, fmt.Sprintf("after writing %s: %d available, fewer than %d", written.Name, available, floor))
	}
}

func (c *cluster) deployment(name string) *appsv1.Deployment {
	d, err := c.client.AppsV1().Deployments("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return d
}

func (c *cluster) update(name string, change func(d *appsv1.Deployment)) {
	d := c.deployment(name)
	change(d)
	if _, err := c.client.AppsV1().Deployments("default").Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) replicaSets() []appsv1.ReplicaSet {
	l, err := c.client.AppsV1().ReplicaSets("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	slices.SortFunc(l.Items, func(a, b appsv1.ReplicaSet) int { return byCreation(&a, &b) })
	return l.Items
}

func (c *cluster) events() []string {
	l, err := c.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

// newDeployment is what the API server stores for a plain Deployment: defaulted.
func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Generation: 1,
			Annotations: map[string]string{"kubernetes.io/change-cause": "first"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: ptr.To(intstr.FromString("25%")), MaxUnavailable: ptr.To(intstr.FromString("25%"))}},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
		},
	}
}

// rolledOut waits until the Deployment runs image on replicas pods of one
// ReplicaSet, at revision rev, and reports it complete.
func (c *cluster) rolledOut(name, image string, replicas int32, rev string) func() string {
	return func() string {
		d := c.deployment(name)
		var live []string
		for _, rs := range c.replicaSets() {
			if rsReplicas(&rs) > 0 {
				live = append(live, fmt.Sprintf("%s=%d(%s)", rs.Name, rsReplicas(&rs), rs.Spec.Template.Spec.Containers[0].Image))
			}
		}
		if len(live) != 1 || !strings.HasSuffix(live[0], fmt.Sprintf("=%d(%s)", replicas, image)) {
			return fmt.Sprintf("live replica sets %v", live)
		}
		st := d.Status
		prog := getCondition(st, appsv1.DeploymentProgressing)
		avail := getCondition(st, appsv1.DeploymentAvailable)
		if st.Replicas != replicas || st.UpdatedReplicas != replicas || st.AvailableReplicas != replicas ||
			st.ObservedGeneration != d.Generation || d.Annotations[revisionAnnotation] != rev ||
			prog == nil || prog.Reason != reasonNewRSAvailable || avail == nil || avail.Status != corev1.ConditionTrue {
			return fmt.Sprintf("revision %q, status %+v", d.Annotations[revisionAnnotation], st)
		}
		return ""
	}
}

func TestRolloutCreatesUpstreamNamedReplicaSet(t *testing.T) {
	d := newDeployment("web", 3, "busybox:1")
	c := newCluster(t, d)
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 3, "1"))

	rss := c.replicaSets()
	if len(rss) != 1 {
		t.Fatalf("%d replica sets, want 1", len(rss))
	}
	rs := rss[0]
	hash := templateHash(&d.Spec.Template, nil)
	if rs.Name != "web-"+hash || rs.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash ||
		rs.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != hash ||
		rs.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != hash || rs.Spec.Template.Labels["app"] != "web" {
		t.Errorf("replica set %s: labels %v, selector %v, template labels %v", rs.Name, rs.Labels, rs.Spec.Selector, rs.Spec.Template.Labels)
	}
	want := map[string]string{revisionAnnotation: "1", desiredReplicasAnnotation: "3", maxReplicasAnnotation: "4", "kubernetes.io/change-cause": "first"}
	if !apiequality.Semantic.DeepEqual(rs.Annotations, want) {
		t.Errorf("annotations %v, want %v", rs.Annotations, want)
	}
	if ref := metav1.GetControllerOf(&rs); ref == nil || ref.Kind != "Deployment" || ref.UID != d.UID || !*ref.BlockOwnerDeletion {
		t.Errorf("controller %+v", ref)
	}
	got := c.deployment("web")
	prog := getCondition(got.Status, appsv1.DeploymentProgressing)
	if prog.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) || prog.Status != corev1.ConditionTrue {
		t.Errorf("Progressing %+v", prog)
	}
	avail := getCondition(got.Status, appsv1.DeploymentAvailable)
	if avail.Reason != reasonMinAvailable || avail.Message != "Deployment has minimum availability." {
		t.Errorf("Available %+v", avail)
	}
	if got.Status.TerminatingReplicas == nil || *got.Status.TerminatingReplicas != 0 || got.Status.UnavailableReplicas != 0 {
		t.Errorf("status %+v", got.Status)
	}
	controllertest.WaitFor(t, "event", func() string {
		if ev := c.events(); !slices.Contains(ev, "ScalingReplicaSet: Scaled up replica set "+rs.Name+" from 0 to 3") {
			return fmt.Sprintf("events %q", ev)
		}
		return ""
	})
}

func TestRollingUpdateAndRollback(t *testing.T) {
	c := newCluster(t, newDeployment("web", 4, "busybox:1"))
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 4, "1"))
	first := c.replicaSets()[0].Name

	c.update("web", func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Image = "busybox:2"
		d.Annotations["kubernetes.io/change-cause"] = "second"
	})
	controllertest.WaitFor(t, "second rollout", c.rolledOut("web", "busybox:2", 4, "2"))
	rss := c.replicaSets()
	second := rss[1]
	if second.Annotations[revisionAnnotation] != "2" || second.Annotations["kubernetes.io/change-cause"] != "second" {
		t.Errorf("second replica set's annotations %v", second.Annotations)
	}
	// 25% of 4: one pod above, one below. Pods here are available at once, so each
	// step goes as far as that allows: upstream's steps for the same statuses.
	controllertest.WaitFor(t, "scaling events", func() string {
		ev := c.events()
		for _, want := range []string{
			"Scaled up replica set " + second.Name + " from 0 to 1",
			"Scaled down replica set " + first + " from 4 to 2",
			"Scaled up replica set " + second.Name + " from 1 to 3",
			"Scaled down replica set " + first + " from 2 to 0",
			"Scaled up replica set " + second.Name + " from 3 to 4",
		} {
			if !slices.Contains(ev, "ScalingReplicaSet: "+want) {
				return fmt.Sprintf("no %q in %q", want, ev)
			}
		}
		return ""
	})

	// Back to the first template: its ReplicaSet is the new one again, at revision 3.
	c.update("web", func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Image = "busybox:1"
		d.Annotations["kubernetes.io/change-cause"] = "first"
	})
	controllertest.WaitFor(t, "rollback", c.rolledOut("web", "busybox:1", 4, "3"))
	rss = c.replicaSets()
	if len(rss) != 2 || rss[0].Name != first || rss[0].Annotations[revisionAnnotation] != "3" || rss[0].Annotations[revisionHistoryAnnotation] != "1" {
		t.Errorf("after rollback: %d replica sets, first %s with %v", len(rss), rss[0].Name, rss[0].Annotations)
	}
}

func TestRevisionHistoryLimit(t *testing.T) {
	d := newDeployment("web", 2, "busybox:1")
	d.Spec.RevisionHistoryLimit = ptr.To[int32](1)
	c := newCluster(t, d)
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 2, "1"))
	for i := 2; i <= 4; i++ {
		image := fmt.Sprintf("busybox:%d", i)
		c.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image })
		controllertest.WaitFor(t, "rollout of "+image, c.rolledOut("web", image, 2, strconv.Itoa(i)))
	}
	controllertest.WaitFor(t, "history trimmed", func() string {
		var revs []string
		for _, rs := range c.replicaSets() {
			revs = append(revs, rs.Annotations[revisionAnnotation])
		}
		if !slices.Equal(revs, []string{"3", "4"}) {
			return fmt.Sprintf("revisions kept %v, want [3 4]", revs)
		}
		return ""
	})
}

func TestPausedDeploymentScalesButDoesNotRollOut(t *testing.T) {
	c := newCluster(t, newDeployment("web", 2, "busybox:1"))
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 2, "1"))
	c.update("web", func(d *appsv1.Deployment) {
		d.Spec.Paused = true
		d.Spec.Template.Spec.Containers[0].Image = "busybox:2"
		d.Spec.Replicas = ptr.To[int32](5)
	})
	controllertest.WaitFor(t, "paused and scaled", func() string {
		d := c.deployment("web")
		prog := getCondition(d.Status, appsv1.DeploymentProgressing)
		rss := c.replicaSets()
		if prog == nil || prog.Reason != reasonPaused || prog.Status != corev1.ConditionUnknown || prog.Message != "Deployment is paused" {
			return fmt.Sprintf("Progressing %+v", prog)
		}
		if len(rss) != 1 || rsReplicas(&rss[0]) != 5 || rss[0].Annotations[desiredReplicasAnnotation] != "5" || d.Status.Replicas != 5 {
			return fmt.Sprintf("%d replica sets, status %+v", len(rss), d.Status)
		}
		return ""
	})
	if rss := c.replicaSets(); len(rss) != 1 {
		t.Fatalf("a paused deployment rolled out: %d replica sets", len(rss))
	}
	c.update("web", func(d *appsv1.Deployment) { d.Spec.Paused = false })
	controllertest.WaitFor(t, "resumed rollout", c.rolledOut("web", "busybox:2", 5, "2"))
}

func TestRecreateScalesDownBeforeUp(t *testing.T) {
	d := newDeployment("web", 3, "busybox:1")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	c := newCluster(t, d)
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 3, "1"))
	first := c.replicaSets()[0].Name
	c.update("web", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:2" })
	controllertest.WaitFor(t, "second rollout", c.rolledOut("web", "busybox:2", 3, "2"))
	second := c.replicaSets()[1].Name
	controllertest.WaitFor(t, "events in order", func() string {
		ev := c.events()
		down := slices.Index(ev, "ScalingReplicaSet: Scaled down replica set "+first+" from 3 to 0")
		up := slices.Index(ev, "ScalingReplicaSet: Scaled up replica set "+second+" from 0 to 3")
		if down < 0 || up < 0 {
			return fmt.Sprintf("events %q", ev)
		}
		return ""
	})
}

func TestProgressDeadlineExceeded(t *testing.T) {
	d := newDeployment("web", 2, "busybox:1")
	d.Spec.ProgressDeadlineSeconds = ptr.To[int32](1)
	c := newCluster(t)
	c.stuck.Store(true)
	if _, err := c.client.AppsV1().Deployments("default").Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "deadline exceeded", func() string {
		d := c.deployment("web")
		prog := getCondition(d.Status, appsv1.DeploymentProgressing)
		avail := getCondition(d.Status, appsv1.DeploymentAvailable)
		if prog == nil || prog.Reason != reasonTimedOut || prog.Status != corev1.ConditionFalse ||
			!strings.HasSuffix(prog.Message, "has timed out progressing.") {
			return fmt.Sprintf("Progressing %+v", prog)
		}
		if avail == nil || avail.Reason != reasonMinUnavailable || avail.Status != corev1.ConditionFalse {
			return fmt.Sprintf("Available %+v", avail)
		}
		if d.Status.UnavailableReplicas != 2 {
			return fmt.Sprintf("status %+v", d.Status)
		}
		return ""
	})
}

func TestAdoptsMatchingOrphanReplicaSet(t *testing.T) {
	d := newDeployment("web", 2, "busybox:1")
	hash := templateHash(&d.Spec.Template, nil)
	orphan := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + hash, Namespace: "default", UID: "orphan-uid", Generation: 1,
			Labels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash}},
			Template: *d.Spec.Template.DeepCopy()},
		Status: appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 1},
	}
	orphan.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	// The fake's patch does not run through the reactors: the adoption is seen on the
	// stored object.
	c := newCluster(t, d, orphan)
	controllertest.WaitFor(t, "adopted and complete", func() string {
		rss := c.replicaSets()
		if len(rss) != 1 {
			return fmt.Sprintf("%d replica sets", len(rss))
		}
		ref := metav1.GetControllerOf(&rss[0])
		if ref == nil || ref.UID != d.UID {
			return fmt.Sprintf("controller %+v", ref)
		}
		if got := c.deployment("web").Annotations[revisionAnnotation]; got != "1" {
			return "revision " + got
		}
		return ""
	})
}

// A ReplicaSet of another template under the new one's name: the Deployment counts a
// collision and hashes again.
func TestHashCollisionBumpsCollisionCount(t *testing.T) {
	d := newDeployment("web", 2, "busybox:1")
	hash := templateHash(&d.Spec.Template, nil)
	squatter := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + hash, Namespace: "default", UID: "squatter-uid", Generation: 1,
			Labels: map[string]string{"app": "other"}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "other"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "other"}}}}},
	}
	c := newCluster(t, d, squatter)
	one := int32(1)
	rehashed := "web-" + templateHash(&d.Spec.Template, &one)
	controllertest.WaitFor(t, "rollout under the second hash", func() string {
		got := c.deployment("web")
		if got.Status.CollisionCount == nil || *got.Status.CollisionCount != 1 {
			return fmt.Sprintf("collisionCount %v", got.Status.CollisionCount)
		}
		rs, err := c.client.AppsV1().ReplicaSets("default").Get(context.Background(), rehashed, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if rsReplicas(rs) != 2 {
			return fmt.Sprintf("%s has %d replicas", rs.Name, rsReplicas(rs))
		}
		return ""
	})
	if rs, err := c.client.AppsV1().ReplicaSets("default").Get(context.Background(), squatter.Name, metav1.GetOptions{}); err != nil || metav1.GetControllerOf(rs) != nil {
		t.Errorf("the squatting replica set was touched: %v %v", rs, err)
	}
}

// An old ReplicaSet's status written before its last scale-down still counts the pods
// being removed; the next step must not count them again.
func TestScaleDownIgnoresStaleAvailability(t *testing.T) {
	d := rolling(3, "1", "0")
	d.Name, d.Namespace = "web", "default"
	oldRS := sized("old", 2, 3, 0, 4) // status from when it had 3
	newRS := sized("new", 2, 2, 1, 4)
	oldRS.Namespace, newRS.Namespace = "default", "default"
	client := fake.NewClientset(oldRS, newRS)
	c := &Controller{client: client, logger: slog.New(slog.DiscardHandler), recorder: worker.NewRecorder(client, "deployment-controller")}
	scaled, err := c.scaleDownOld(context.Background(), d, []*appsv1.ReplicaSet{oldRS, newRS}, []*appsv1.ReplicaSet{oldRS})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.AppsV1().ReplicaSets("default").Get(context.Background(), "old", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 2 old + 2 new available, 3 must stay: one may go.
	if scaled != 1 || rsReplicas(got) != 1 {
		t.Errorf("scaled down %d, old replica set now %d, want 1 and 1", scaled, rsReplicas(got))
	}
}

// minReadySeconds is the ReplicaSet's to apply: the new one follows the Deployment's
// without a new rollout.
func TestMinReadySecondsFollowsDeployment(t *testing.T) {
	d := newDeployment("web", 2, "busybox:1")
	d.Spec.MinReadySeconds = 3
	c := newCluster(t, d)
	controllertest.WaitFor(t, "first rollout", c.rolledOut("web", "busybox:1", 2, "1"))
	if rss := c.replicaSets(); rss[0].Spec.MinReadySeconds != 3 {
		t.Errorf("new replica set's minReadySeconds %d, want 3", rss[0].Spec.MinReadySeconds)
	}
	c.update("web", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 7 })
	controllertest.WaitFor(t, "minReadySeconds updated", func() string {
		rss := c.replicaSets()
		if len(rss) != 1 || rss[0].Spec.MinReadySeconds != 7 {
			return fmt.Sprintf("%d replica sets, first with minReadySeconds %d", len(rss), rss[0].Spec.MinReadySeconds)
		}
		return c.rolledOut("web", "busybox:1", 2, "1")()
	})
}
