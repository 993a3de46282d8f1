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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// The StatefulSet controller inside `kite server`, on simulated nodes
// (`--simulated-nodes`), which run the set's pods (Running and Ready at once) and
// finish their graceful deletions. The test watches the set's pods and writes down, in
// the order of the watch, each pod's creation, readiness and deletion; when a pod is
// created it checks, against what the watch showed so far, that every lower ordinal is
// Running and Ready already (what OrderedReady promises).

// stsWatch follows one StatefulSet's pods.
type stsWatch struct {
	mu     sync.Mutex
	log    []string        // "add web-0", "ready web-0", "delete web-2"
	ready  map[string]bool // pod name -> Running and Ready in the last event seen
	errors []string
}

func (k *stsWatch) note(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.log = append(k.log, fmt.Sprintf(format, args...))
}

func (k *stsWatch) fail(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.errors = append(k.errors, fmt.Sprintf(format, args...))
}

// seen returns the log so far, and the order violations.
func (k *stsWatch) seen() ([]string, []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.log), slices.Clone(k.errors)
}

// run handles pod events until ctx ends.
func (k *stsWatch) run(ctx context.Context, w watch.Interface) {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() == nil {
					k.fail("pod watch closed early")
				}
				return
			}
			p, isPod := ev.Object.(*corev1.Pod)
			if !isPod {
				continue
			}
			switch ev.Type {
			case watch.Added:
				k.note("add %s", p.Name)
				k.checkOrder(p)
				k.setReady(p, podReady(p))
			case watch.Modified:
				k.setReady(p, podReady(p))
			case watch.Deleted:
				k.setReady(p, false)
				k.note("delete %s", p.Name)
			}
		}
	}
}

// checkOrder fails when a new pod's lower ordinals were not all Running and Ready.
func (k *stsWatch) checkOrder(p *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ord := 0
	fmt.Sscanf(p.Labels[appsv1.PodIndexLabel], "%d", &ord)
	for lower := range ord {
		if name := fmt.Sprintf("web-%d", lower); !k.ready[name] {
			k.errors = append(k.errors, fmt.Sprintf("%s created while %s is not Running and Ready", p.Name, name))
		}
	}
}

// setReady records the pod's readiness, noting when it becomes ready.
func (k *stsWatch) setReady(p *corev1.Pod, ready bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ready && !k.ready[p.Name] {
		k.log = append(k.log, "ready "+p.Name)
	}
	k.ready[p.Name] = ready
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// subsequence reports whether want appears in log in this order (other entries may
// come between).
func subsequence(log, want []string) bool {
	i := 0
	for _, l := range log {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestStatefulSetOrderedScaleRollingUpdateAndUndo(t *testing.T) {
	p, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ns = "default"

	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	order := &stsWatch{ready: map[string]bool{}}
	done := make(chan struct{})
	go func() { defer close(done); order.run(ctx, w) }()
	defer func() { cancel(); <-done }()

	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: corev1.ServiceSpec{
		ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](3),
			ServiceName: "nginx",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "kite.test/nginx:1"}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "www"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
	if _, err := c.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// pods returns the set's pods as "name@revision" (terminating ones marked), sorted.
	pods := func() []string {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, p := range list.Items {
			s := p.Name + "@" + p.Labels[appsv1.StatefulSetRevisionLabel]
			if !podReady(&p) {
				s += "(not ready)"
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	statusOf := func() appsv1.StatefulSetStatus {
		s, err := c.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Status
	}
	settled := func(replicas int32, want ...string) func() string {
		return func() string {
			got := pods()
			st := statusOf()
			if !slices.Equal(got, want) || st.ReadyReplicas != replicas || st.Replicas != replicas {
				return fmt.Sprintf("pods %v (want %v), status %s", got, want, toJSON(st))
			}
			return ""
		}
	}

	// Scale up: web-0, web-1, web-2, each only after the one before is ready.
	var rev1 string
	eventually(t, 60*time.Second, func() string {
		st := statusOf()
		rev1 = st.UpdateRevision
		if rev1 == "" {
			return "no update revision yet"
		}
		return settled(3, "web-0@"+rev1, "web-1@"+rev1, "web-2@"+rev1)()
	})
	out := kubectl(t, k, kc, "rollout", "status", "statefulset/web", "--timeout=60s")
	if !strings.Contains(out, "partitioned roll out complete: 3 new pods have been updated") {
		t.Errorf("rollout status: %q", out)
	}
	log, violations := order.seen()
	t.Logf("scale up: %v", log)
	if !subsequence(log, []string{"add web-0", "ready web-0", "add web-1", "ready web-1", "add web-2", "ready web-2"}) {
		t.Errorf("scale up order: %v", log)
	}
	// Identity and storage.
	pod1, err := c.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := metav1.GetControllerOf(pod1)
	if pod1.Spec.Hostname != "web-1" || pod1.Spec.Subdomain != "nginx" || pod1.Labels[appsv1.StatefulSetPodNameLabel] != "web-1" ||
		pod1.Labels[appsv1.PodIndexLabel] != "1" || ref == nil || ref.Kind != "StatefulSet" || ref.Name != "web" {
		t.Errorf("web-1 identity: hostname %q subdomain %q labels %v controller %+v", pod1.Spec.Hostname, pod1.Spec.Subdomain, pod1.Labels, ref)
	}
	if vol := pod1.Spec.Volumes[0]; vol.Name != "www" || vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != "www-web-1" {
		t.Errorf("web-1 volume %s", toJSON(pod1.Spec.Volumes))
	}
	claims := func() []string {
		list, err := c.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, pvc := range list.Items {
			out = append(out, pvc.Name+"="+pvc.Spec.Resources.Requests.Storage().String()+"/"+pvc.Labels["app"])
		}
		slices.Sort(out)
		return out
	}
	wantClaims := []string{"www-web-0=1Gi/web", "www-web-1=1Gi/web", "www-web-2=1Gi/web"}
	if got := claims(); !slices.Equal(got, wantClaims) {
		t.Errorf("claims %v, want %v", got, wantClaims)
	}
	eventually(t, 20*time.Second, func() string {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=web,involvedObject.kind=StatefulSet"})
		if err != nil {
			return err.Error()
		}
		var msgs []string
		for _, e := range evs.Items {
			msgs = append(msgs, e.Source.Component+" "+e.Reason+" "+e.Message)
		}
		for _, want := range []string{
			"statefulset-controller SuccessfulCreate create Pod web-0 in StatefulSet web successful",
			"statefulset-controller SuccessfulCreate create Claim www-web-2 Pod web-2 in StatefulSet web success",
		} {
			if !slices.Contains(msgs, want) {
				return fmt.Sprintf("events %q lack %q", msgs, want)
			}
		}
		return ""
	})

	// Scale down: web-2 goes first, then web-1; their claims stay (Retain).
	kubectl(t, k, kc, "scale", "statefulset/web", "--replicas=1")
	eventually(t, 60*time.Second, settled(1, "web-0@"+rev1))
	log, _ = order.seen()
	if !subsequence(log, []string{"delete web-2", "delete web-1"}) || subsequence(log, []string{"delete web-1", "delete web-2"}) {
		t.Errorf("scale down order: %v", log)
	}
	if got := claims(); !slices.Equal(got, wantClaims) {
		t.Errorf("claims after scale down %v, want %v (retained)", got, wantClaims)
	}
	kubectl(t, k, kc, "scale", "statefulset/web", "--replicas=3")
	eventually(t, 60*time.Second, settled(3, "web-0@"+rev1, "web-1@"+rev1, "web-2@"+rev1))

	// A template change held at partition 2 updates only web-2.
	mark := len(log)
	kubectl(t, k, kc, "patch", "statefulset/web", "--type=merge", "-p",
		`{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"nginx","image":"kite.test/nginx:2"}]}}}}`)
	var rev2 string
	eventually(t, 60*time.Second, func() string {
		st := statusOf()
		rev2 = st.UpdateRevision
		if rev2 == rev1 || st.UpdatedReplicas != 1 {
			return "status " + toJSON(st)
		}
		return settled(3, "web-0@"+rev1, "web-1@"+rev1, "web-2@"+rev2)()
	})
	out = kubectl(t, k, kc, "rollout", "status", "statefulset/web", "--timeout=60s")
	if !strings.Contains(out, "partitioned roll out complete: 1 new pods have been updated") {
		t.Errorf("rollout status at partition 2: %q", out)
	}
	if st := statusOf(); st.CurrentRevision != rev1 || st.CurrentReplicas != 2 {
		t.Errorf("status at partition 2: %s", toJSON(st))
	}

	// Partition 0: web-1, then web-0, highest first.
	kubectl(t, k, kc, "patch", "statefulset/web", "--type=merge", "-p", `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}`)
	out = kubectl(t, k, kc, "rollout", "status", "statefulset/web", "--timeout=60s")
	if !strings.Contains(out, "partitioned roll out complete: 3 new pods have been updated") {
		t.Errorf("rollout status: %q", out)
	}
	eventually(t, 30*time.Second, func() string {
		if st := statusOf(); st.CurrentRevision != rev2 || st.CurrentReplicas != 3 || st.UpdatedReplicas != 3 {
			return "status " + toJSON(st)
		}
		return settled(3, "web-0@"+rev2, "web-1@"+rev2, "web-2@"+rev2)()
	})
	log, _ = order.seen()
	if !subsequence(log[mark:], []string{"delete web-2", "add web-2", "ready web-2", "delete web-1", "add web-1", "ready web-1", "delete web-0", "add web-0", "ready web-0"}) {
		t.Errorf("rolling update order: %v", log[mark:])
	}

	// History and undo through ControllerRevisions.
	out = kubectl(t, k, kc, "rollout", "history", "statefulset/web")
	if rows := fields(out); len(rows) < 3 || rows[len(rows)-2][0] != "1" || rows[len(rows)-1][0] != "2" {
		t.Errorf("rollout history: %q", out)
	}
	if out := kubectl(t, k, kc, "rollout", "history", "statefulset/web", "--revision=2"); !strings.Contains(out, "kite.test/nginx:2") {
		t.Errorf("rollout history --revision=2: %q", out)
	}
	out = kubectl(t, k, kc, "rollout", "undo", "statefulset/web")
	if !strings.Contains(out, "rolled back") {
		t.Errorf("rollout undo: %q", out)
	}
	kubectl(t, k, kc, "rollout", "status", "statefulset/web", "--timeout=60s")
	eventually(t, 60*time.Second, func() string {
		st := statusOf()
		if st.UpdateRevision != rev1 || st.CurrentRevision != rev1 {
			return "status " + toJSON(st)
		}
		return settled(3, "web-0@"+rev1, "web-1@"+rev1, "web-2@"+rev1)()
	})
	revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, r := range revs.Items {
		numbers = append(numbers, fmt.Sprintf("%s=%d", r.Name, r.Revision))
	}
	slices.Sort(numbers)
	want := []string{rev1 + "=3", rev2 + "=2"}
	slices.Sort(want)
	if !slices.Equal(numbers, want) {
		t.Errorf("revisions after undo %v, want %v (the old one renumbered)", numbers, want)
	}
	s, err := c.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || s.Spec.Template.Spec.Containers[0].Image != "kite.test/nginx:1" {
		t.Errorf("template after undo: %v %v", err, s.Spec.Template.Spec.Containers)
	}

	log, violations = order.seen()
	t.Logf("the pod watch saw: %v", log)
	for _, v := range violations {
		t.Error(v)
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("server log mentions a panic:\n%s", p.stderr.String())
	}
}

func TestStatefulSetParallelStartOrdinalAndClaimRetention(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "default"
	manifest := writeFile(t, "db.yaml", `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 3
  serviceName: db
  podManagementPolicy: Parallel
  ordinals:
    start: 5
  persistentVolumeClaimRetentionPolicy:
    whenScaled: Delete
    whenDeleted: Delete
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: kite.test/db:1
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`)
	kubectl(t, k, kc, "apply", "-f", manifest)

	set, err := c.AppsV1().StatefulSets(ns).Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// owners lists each object's controller as kind/name.
	owners := func(refs []metav1.OwnerReference) string {
		var out []string
		for _, r := range refs {
			if r.Controller != nil && *r.Controller {
				out = append(out, r.Kind+"/"+r.Name)
			}
		}
		return strings.Join(out, ",")
	}
	state := func() string {
		var out []string
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=db"})
		if err != nil {
			return err.Error()
		}
		for _, p := range pods.Items {
			out = append(out, "pod "+p.Name+" "+string(p.Status.Phase))
		}
		claims, err := c.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=db"})
		if err != nil {
			return err.Error()
		}
		for _, pvc := range claims.Items {
			out = append(out, "pvc "+pvc.Name+" "+owners(pvc.OwnerReferences))
		}
		slices.Sort(out)
		return strings.Join(out, "; ")
	}
	want := func(lines ...string) func() string {
		return func() string {
			slices.Sort(lines)
			if got, w := state(), strings.Join(lines, "; "); got != w {
				return "have " + got + "\nwant " + w
			}
			return ""
		}
	}

	// Parallel: all three exist at once though none is ever Ready (the server has no
	// nodes, so they stay Pending; OrderedReady would wait for db-5); ordinals from 5;
	// under whenDeleted Delete the set controls the claims.
	eventually(t, 30*time.Second, want(
		"pod db-5 Pending", "pod db-6 Pending", "pod db-7 Pending",
		"pvc data-db-5 StatefulSet/db", "pvc data-db-6 StatefulSet/db", "pvc data-db-7 StatefulSet/db"))
	if set.UID == "" {
		t.Fatal("no uid")
	}

	// whenScaled Delete: scaled-away pods' claims pass to the pods and go with them,
	// through the garbage collector.
	kubectl(t, k, kc, "scale", "statefulset/db", "--replicas=1")
	eventually(t, 60*time.Second, want("pod db-5 Pending", "pvc data-db-5 StatefulSet/db"))

	// whenDeleted Delete: deleting the set takes the remaining pod and claim along.
	kubectl(t, k, kc, "delete", "statefulset/db", "--wait=true", "--timeout=60s")
	eventually(t, 60*time.Second, want())
	// The garbage collector removes the revisions after the set; poll for it.
	eventually(t, 60*time.Second, func() string {
		revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=db"})
		if err != nil || len(revs.Items) != 0 {
			return fmt.Sprintf("revisions after the set's deletion: %v %d", err, len(revs.Items))
		}
		return ""
	})
}
