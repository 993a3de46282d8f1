package pods

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestOnlyUpdatesWithSomethingNewAreSynced(t *testing.T) {
	base := newPod("p", corev1.RestartPolicyAlways, busybox("main"))
	base.ResourceVersion = "10"
	base.Status.Phase = corev1.PodRunning
	change := func(f func(p *corev1.Pod)) *corev1.Pod {
		p := base.DeepCopy()
		p.ResourceVersion = "11"
		f(p)
		return p
	}
	gated := change(func(p *corev1.Pod) {
		p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/ready"}}
	})
	for name, c := range map[string]struct {
		old, cur *corev1.Pod
		want     bool
	}{
		"first sight":         {nil, base, true},
		"same object again":   {base, base.DeepCopy(), false},
		"own status written":  {base, change(func(p *corev1.Pod) { p.Status.PodIP = "10.42.0.9" }), false},
		"managed fields":      {base, change(func(p *corev1.Pod) { p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet"}} }), false},
		"phase moved":         {base, change(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), true},
		"finished, own write": {change(func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), change(func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), true},
		"deletion":            {base, change(func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} }), true},
		"label":               {base, change(func(p *corev1.Pod) { p.Labels = map[string]string{"app": "y"} }), true},
		"annotation":          {base, change(func(p *corev1.Pod) { p.Annotations = map[string]string{"a": "b"} }), true},
		"spec":                {base, change(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx" }), true},
		"new uid":             {base, change(func(p *corev1.Pod) { p.UID = "other" }), true},
		"gate condition": {gated, change(func(p *corev1.Pod) {
			p.Spec.ReadinessGates = gated.Spec.ReadinessGates
			p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/ready", Status: corev1.ConditionTrue}}
		}), true},
		"condition, no gates": {base, change(func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/ready", Status: corev1.ConditionTrue}}
		}), false},
	} {
		if got := needsSync(c.old, c.cur); got != c.want {
			t.Errorf("%s: needsSync = %v, want %v", name, got, c.want)
		}
	}
}

// The agent's own status writes come back through the watch; they must not queue the
// pod again, while a real change does.
func TestStatusEchoesAreNotQueued(t *testing.T) {
	rt := newFakeRuntime()
	m, err := New(Config{Client: fake.NewClientset(), NodeName: node, Runtime: rt, Images: rt, LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.queue.ShutDown()
	drain := func() int {
		n := m.queue.Len()
		for range n {
			uid, _ := m.queue.Get()
			m.queue.Done(uid)
			m.queue.Forget(uid)
		}
		return n
	}
	pod := newPod("p", corev1.RestartPolicyAlways, busybox("main"))
	pod.ResourceVersion = "1"
	m.seen(pod)
	if n := drain(); n != 1 {
		t.Fatalf("a new pod queued %d times, want 1", n)
	}
	echo := pod.DeepCopy()
	echo.ResourceVersion = "2"
	echo.Status.PodIP = "10.42.0.9"
	m.seen(echo)
	if n := drain(); n != 0 {
		t.Errorf("the agent's status write coming back queued the pod (%d)", n)
	}
	if got := m.pod(pod.UID); got.ResourceVersion != "2" {
		t.Errorf("the manager keeps resourceVersion %s, want the newest (2) for its next status write", got.ResourceVersion)
	}
	relabeled := echo.DeepCopy()
	relabeled.ResourceVersion = "3"
	relabeled.Labels = map[string]string{"app": "z"}
	m.seen(relabeled)
	if n := drain(); n != 1 {
		t.Errorf("a relabeled pod queued %d times, want 1", n)
	}
}
