package pod

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

func createPod(t *testing.T, s *registry.Store, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := s.Create(context.Background(), p.Namespace, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.Pod)
}

func getPod(t *testing.T, s *registry.Store, name string) *corev1.Pod {
	t.Helper()
	out, err := s.Get(context.Background(), "default", name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.Pod)
}

func binding(name, node string) *corev1.Binding {
	return &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Target: corev1.ObjectReference{Kind: "Node", Name: node}}
}

func TestBinding(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	a, err := BindingAction(s, clk)
	if err != nil {
		t.Fatal(err)
	}
	created := createPod(t, s, web())

	// A dry run binds nothing.
	if _, err := a.Create(ctx, "default", "web", binding("web", "n1"), metav1.CreateOptions{DryRun: []string{"All"}}); err != nil {
		t.Fatal(err)
	}
	if p := getPod(t, s, "web"); p.Spec.NodeName != "" {
		t.Fatalf("dry run bound the pod to %q", p.Spec.NodeName)
	}

	b := binding("web", "n1")
	b.Annotations = map[string]string{"scheduler": "kite"}
	out, err := a.Create(ctx, "default", "web", b, metav1.CreateOptions{})
	if st, ok := out.(*metav1.Status); err != nil || !ok || st.Status != metav1.StatusSuccess {
		t.Fatalf("bind: %v %v", out, err)
	}
	p := getPod(t, s, "web")
	if p.Spec.NodeName != "n1" || p.Annotations["scheduler"] != "kite" || p.Generation != created.Generation {
		t.Fatalf("bound pod: node %q annotations %v generation %d", p.Spec.NodeName, p.Annotations, p.Generation)
	}
	if len(p.Status.Conditions) != 1 || p.Status.Conditions[0].Type != corev1.PodScheduled ||
		p.Status.Conditions[0].Status != corev1.ConditionTrue || !p.Status.Conditions[0].LastTransitionTime.Time.Equal(clk.Now()) {
		t.Fatalf("conditions: %+v", p.Status.Conditions)
	}

	// Once only.
	_, err = a.Create(ctx, "default", "web", binding("web", "n2"), metav1.CreateOptions{})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"`) {
		t.Fatalf("second bind: %v", err)
	}

	// Upstream's other refusals.
	other := web()
	other.Name = "other"
	createPod(t, s, other)
	for _, c := range []struct {
		name string
		b    *corev1.Binding
		code int32
		msg  string
	}{
		{"url name", binding("web", "n1"), 400, "name in URL does not match name in Binding object"},
		{"no target", binding("other", ""), 500, "target.name: Required value"},
		{"target kind", &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "other"}, Target: corev1.ObjectReference{Kind: "Pod", Name: "x"}}, 500, `target.kind: Unsupported value: "Pod"`},
		{"uid", &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "other", UID: "nope"}, Target: corev1.ObjectReference{Name: "n1"}}, 409, "Precondition failed: UID in precondition"},
		{"missing", binding("gone", "n1"), 404, `pods "gone" not found`},
	} {
		name := c.b.Name
		if c.name == "url name" {
			name = "other"
		}
		_, err := a.Create(ctx, "default", name, c.b, metav1.CreateOptions{})
		st, ok := err.(apierrors.APIStatus)
		if !ok || st.Status().Code != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %d with %q", c.name, err, c.code, c.msg)
		}
	}
	if p := getPod(t, s, "other"); p.Spec.NodeName != "" {
		t.Errorf("a refused binding bound the pod to %q", p.Spec.NodeName)
	}
}

// budgets is a DisruptionBudgets in memory.
type budgets struct {
	items []policyv1.PodDisruptionBudget
}

func (b *budgets) List(context.Context, string) ([]policyv1.PodDisruptionBudget, error) {
	return b.items, nil
}

func (b *budgets) UpdateStatus(_ context.Context, pdb *policyv1.PodDisruptionBudget) error {
	for i := range b.items {
		if b.items[i].Name == pdb.Name {
			b.items[i] = *pdb.DeepCopy()
		}
	}
	return nil
}

func runningPod(name string) *corev1.Pod {
	p := web()
	p.Name = name
	p.Labels = map[string]string{"app": "web"}
	return p
}

// setRunning makes a stored pod Running and Ready, through its status.
func setRunning(t *testing.T, s *registry.Store, name string) {
	t.Helper()
	_, err := s.UpdateWith(context.Background(), "default", name, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		return p, nil
	}, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
}

func TestEviction(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pdbs := &budgets{items: []policyv1.PodDisruptionBudget{{
		ObjectMeta: metav1.ObjectMeta{Name: "web-pdb", Namespace: "default", Generation: 1},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status:     policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: 1, DesiredHealthy: 1, CurrentHealthy: 2},
	}}}
	a, err := EvictionAction(EvictionConfig{Store: s, Budgets: pdbs})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "pending"} {
		createPod(t, s, runningPod(n))
	}
	setRunning(t, s, "a")
	setRunning(t, s, "b")
	evict := func(name string) *policyv1.Eviction {
		return &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name}, DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}}
	}

	// The budget allows one: a goes, and the budget records it.
	if _, err := a.Create(ctx, "default", "a", evict("a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "default", "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted pod: %v", err)
	}
	if st := pdbs.items[0].Status; st.DisruptionsAllowed != 0 || st.DisruptedPods["a"].Time.IsZero() {
		t.Fatalf("budget after one eviction: %+v", st)
	}

	// Then none: 429 with upstream's message and cause.
	_, err = a.Create(ctx, "default", "b", evict("b"), metav1.CreateOptions{})
	if !apierrors.IsTooManyRequests(err) || err.Error() != "Cannot evict pod as it would violate the pod's disruption budget." {
		t.Fatalf("eviction over budget: %v", err)
	}
	causes := err.(apierrors.APIStatus).Status().Details.Causes
	if len(causes) != 1 || causes[0].Type != policyv1.DisruptionBudgetCause || causes[0].Message != "The disruption budget web-pdb needs 1 healthy pods and has 2 currently" {
		t.Fatalf("causes: %+v", causes)
	}
	if _, err := s.Get(ctx, "default", "b", metav1.GetOptions{}); err != nil {
		t.Fatalf("the refused eviction deleted the pod: %v", err)
	}

	// A pending pod is not the budget's business; a v1beta1 Eviction works the same.
	if _, err := a.Create(ctx, "default", "pending", &policyv1beta1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "pending"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("evicting a pending pod: %v", err)
	}

	// Upstream's other answers.
	if _, err := a.Create(ctx, "default", "b", evict("x"), metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("name mismatch: %v", err)
	}
	if _, err := a.Create(ctx, "default", "gone", evict("gone"), metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("missing pod: %v", err)
	}
	bad := evict("b")
	bad.DeleteOptions.GracePeriodSeconds = nil
	bad.DeleteOptions.PropagationPolicy = ptr.To(metav1.DeletionPropagation("Sideways"))
	if _, err := a.Create(ctx, "default", "b", bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `Eviction.policy "b" is invalid`) {
		t.Errorf("bad delete options: %v", err)
	}

	// Without budgets, a dry run deletes nothing and a real one deletes.
	free, err := EvictionAction(EvictionConfig{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := free.Create(ctx, "default", "b", evict("b"), metav1.CreateOptions{DryRun: []string{"All"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "default", "b", metav1.GetOptions{}); err != nil {
		t.Fatalf("a dry-run eviction deleted the pod: %v", err)
	}
	if _, err := free.Create(ctx, "default", "b", evict("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "default", "b", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted pod b: %v", err)
	}
}

// recorder is a NodeConnector that answers with what it was asked.
type recorder struct{}

func (recorder) Pod(_ context.Context, pod *corev1.Pod, sub, container, port string, req registry.ConnectRequest) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(pod.Spec.NodeName + " " + sub + " " + container + " " + port + " " + req.Path))
	}), nil
}
func (recorder) Node(context.Context, *corev1.Node, string, registry.ConnectRequest) (http.Handler, error) {
	return nil, nil
}
func (recorder) Service(context.Context, *corev1.Service, string, registry.ConnectRequest) (http.Handler, error) {
	return nil, nil
}

func TestConnect(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	two := web()
	two.Name = "two"
	two.Spec.Containers = append(two.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox"})
	createPod(t, s, two)
	createPod(t, s, web())
	bind, err := BindingAction(s, nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, nc := range []registry.NodeConnector{nil, recorder{}} {
		actions, err := ConnectActions(s, nc)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*registry.Action{}
		for _, a := range actions {
			byName[a.Subresource] = a
		}
		call := func(sub, name, query string) (int, string) {
			q, _ := url.ParseQuery(query)
			h, err := byName[sub].Connect(ctx, "default", name, registry.ConnectRequest{Method: "GET", Query: q, Path: "x/y"})
			if err != nil {
				st := err.(apierrors.APIStatus).Status()
				return int(st.Code), st.Message
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			return rec.Code, rec.Body.String()
		}
		check := func(sub, name, query string, code int, msg string) {
			t.Helper()
			if c, m := call(sub, name, query); c != code || !strings.Contains(m, msg) {
				t.Errorf("%T %s %s?%s: %d %q, want %d with %q", nc, sub, name, query, c, m, code, msg)
			}
		}
		if nc == nil {
			// Not bound yet: logs are empty, the streams are a 400.
			check("log", "web", "", 204, "")
			check("exec", "web", "command=ls", 400, "pod web does not have a host assigned")
			check("attach", "web", "", 400, "pod web does not have a host assigned")
			check("portforward", "web", "", 400, "pod web does not have a host assigned")
			check("log", "two", "", 400, "a container name must be specified for pod two, choose one of: [nginx sidecar]")
			check("log", "web", "container=nope", 400, "container nope is not valid for pod web")
			check("log", "gone", "", 404, `pods "gone" not found`)
			check("proxy", "web", "", 400, "address not allowed")
			for _, name := range []string{"web", "two"} {
				if _, err := bind.Create(ctx, "default", name, binding(name, "n1"), metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			// Bound, with nobody to serve it: 503.
			check("log", "web", "", 503, `no node agent serves pod default/web on node "n1"`)
			check("exec", "two", "container=sidecar", 503, "no node agent serves pod default/two")
			continue
		}
		check("log", "two", "container=sidecar", 200, "n1 log sidecar  x/y")
		check("portforward", "web", "", 200, "n1 portforward   x/y")
	}
}

func TestEphemeralContainers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := createPod(t, s, web())
	a, err := EphemeralContainersAction(s)
	if err != nil {
		t.Fatal(err)
	}
	debugger := corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox"}}
	add := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, debugger)
		p.Spec.Containers[0].Image = "changed" // not this subresource's business: ignored
		p.Labels = map[string]string{"ignored": "yes"}
		return p, nil
	}
	out, err := a.Update(ctx, "default", "web", add, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*corev1.Pod)
	if len(p.Spec.EphemeralContainers) != 1 || p.Spec.EphemeralContainers[0].TerminationMessagePath == "" ||
		p.Spec.Containers[0].Image != "nginx" || p.Labels["ignored"] != "" || p.Generation != created.Generation+1 {
		t.Fatalf("after adding a debugger: %+v", p)
	}
	got, err := a.Get(ctx, "default", "web", metav1.GetOptions{})
	if err != nil || len(got.(*corev1.Pod).Spec.EphemeralContainers) != 1 {
		t.Fatalf("get: %v %v", got, err)
	}

	for name, change := range map[string]registry.Change{
		"remove": func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.Pod).Spec.EphemeralContainers = nil
			return cur, nil
		},
		"change": func(cur runtime.Object) (runtime.Object, error) {
			cur.(*corev1.Pod).Spec.EphemeralContainers[0].Image = "other"
			return cur, nil
		},
		"no image": func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "second"}})
			return p, nil
		},
	} {
		_, err := a.Update(ctx, "default", "web", change, metav1.UpdateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.ephemeralContainers") {
			t.Errorf("%s: %v", name, err)
		}
	}
	stale := func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.Pod).ResourceVersion = "1"
		return cur, nil
	}
	if _, err := a.Update(ctx, "default", "web", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale resourceVersion: %v", err)
	}
}

func TestBindingsResource(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	v, err := BindingsResource(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Verbs(); len(got) != 1 || got[0] != "create" {
		t.Fatalf("verbs %v, want create only", got)
	}
	createPod(t, s, web())
	if _, err := v.Create(ctx, "default", binding("web", "n2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := getPod(t, s, "web"); p.Spec.NodeName != "n2" {
		t.Fatalf("bound to %q, want n2", p.Spec.NodeName)
	}
	// A second binding of the same pod conflicts; a missing pod is not found.
	if _, err := v.Create(ctx, "default", binding("web", "n3"), metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("second binding: %v, want a conflict", err)
	}
	if _, err := v.Create(ctx, "default", binding("nope", "n3"), metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("binding a missing pod: %v, want not found", err)
	}
}
