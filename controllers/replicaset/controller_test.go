package replicaset

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"kite/controllers/controllertest"
)

func newRS(name string, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Generation: 1},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name, "tier": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}

// start runs the controller over a fake clientset; the fake does not fill in
// generateName, so a reactor does, as the API server would.
func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	return startKind(t, false, nil, objs...)
}

// startKind runs the controller for ReplicationControllers (rcs) or ReplicaSets;
// prepare, when set, adds reactors before anything runs.
func startKind(t *testing.T, rcs bool, prepare func(*fake.Clientset), objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	var n atomic.Int64
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" {
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, n.Add(1))
		}
		return false, nil, nil
	})
	// The fake stores a status update whole; the API server keeps the stored spec, so a
	// status written from a stale copy cannot undo a scale. Do the same.
	for _, gvr := range []schema.GroupVersionResource{appsv1.SchemeGroupVersion.WithResource("replicasets"), corev1.SchemeGroupVersion.WithResource("replicationcontrollers")} {
		client.PrependReactor("update", gvr.Resource, func(a clienttesting.Action) (bool, runtime.Object, error) {
			if a.GetSubresource() != "status" {
				return false, nil, nil
			}
			obj := a.(clienttesting.UpdateAction).GetObject()
			m, _ := meta.Accessor(obj)
			cur, err := client.Tracker().Get(gvr, m.GetNamespace(), m.GetName())
			if err != nil {
				return true, nil, err
			}
			switch o := obj.(type) {
			case *appsv1.ReplicaSet:
				c := cur.(*appsv1.ReplicaSet).DeepCopy()
				c.Status = o.Status
				obj = c
			case *corev1.ReplicationController:
				c := cur.(*corev1.ReplicationController).DeepCopy()
				c.Status = o.Status
				obj = c
			}
			return true, obj, client.Tracker().Update(gvr, obj, m.GetNamespace())
		})
	}
	if prepare != nil {
		prepare(client)
	}
	f := informers.NewSharedInformerFactory(client, 0)
	cfg := Config{Client: client, ReplicaSets: f.Apps().V1().ReplicaSets(), Pods: f.Core().V1().Pods()}
	if rcs {
		cfg.ReplicaSets, cfg.ReplicationControllers = nil, f.Core().V1().ReplicationControllers()
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

// controlled lists the active pods rs controls.
func controlled(client *fake.Clientset, rs string) []corev1.Pod {
	pods, _ := client.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{})
	var out []corev1.Pod
	for _, p := range pods.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Name == rs && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func hasPods(client *fake.Clientset, rs string, n int) func() string {
	return func() string {
		if got := len(controlled(client, rs)); got != n {
			return fmt.Sprintf("%d pods", got)
		}
		return ""
	}
}

func TestReplicaSetCreatesScalesAndReports(t *testing.T) {
	client := start(t, newRS("web", 3))
	ctx := context.Background()
	controllertest.WaitFor(t, "3 pods", hasPods(client, "web", 3))
	for _, p := range controlled(client, "web") {
		ref := metav1.GetControllerOf(&p)
		if !strings.HasPrefix(p.Name, "web-") || p.Labels["tier"] != "web" || ref.Kind != "ReplicaSet" ||
			ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s: labels %v, controller %+v", p.Name, p.Labels, ref)
		}
	}
	controllertest.WaitFor(t, "status", func() string {
		rs, _ := client.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
		if rs.Status.Replicas != 3 || rs.Status.FullyLabeledReplicas != 3 || rs.Status.ObservedGeneration != 1 {
			return fmt.Sprintf("%+v", rs.Status)
		}
		return ""
	})

	rs, _ := client.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
	one := int32(1)
	rs.Spec.Replicas = &one
	if _, err := client.AppsV1().ReplicaSets("default").Update(ctx, rs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "scale down to 1", hasPods(client, "web", 1))
	controllertest.WaitFor(t, "events", func() string {
		evs, _ := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		var created, deleted int
		for _, e := range evs.Items {
			switch {
			case e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: web-"):
				created++
			case e.Reason == "SuccessfulDelete" && strings.HasPrefix(e.Message, "Deleted pod: web-"):
				deleted++
			}
		}
		if created != 3 || deleted != 2 {
			return fmt.Sprintf("%d created, %d deleted events", created, deleted)
		}
		return ""
	})
}

func TestReplicaSetAdoptsAndReleases(t *testing.T) {
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: "default", UID: "stray-uid", Labels: map[string]string{"app": "web"}}}
	client := start(t, newRS("web", 2), orphan)
	ctx := context.Background()
	controllertest.WaitFor(t, "2 pods, the orphan among them", func() string {
		pods := controlled(client, "web")
		for _, p := range pods {
			if p.Name == "stray" && len(pods) == 2 {
				return ""
			}
		}
		return fmt.Sprintf("%d pods", len(pods))
	})

	// Relabeled out of the selector: released, and replaced.
	p, err := client.CoreV1().Pods("default").Get(ctx, "stray", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels = map[string]string{"app": "other"}
	// The fake clientset keeps no resourceVersions; the controller, as upstream's,
	// ignores updates that do not change it (informer resyncs), so set one as the
	// API server would.
	p.ResourceVersion = "2"
	if _, err := client.CoreV1().Pods("default").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "released and replaced", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "stray", metav1.GetOptions{})
		if metav1.GetControllerOf(p) != nil {
			return "stray still controlled"
		}
		return hasPods(client, "web", 2)()
	})
}
