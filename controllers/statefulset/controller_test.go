package statefulset

import (
	"context"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"kite/controllers/controllertest"
)

// start runs the controller over a fake clientset, which sets Pending on pod create
// as the API server does.
func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		p.Status.Phase = corev1.PodPending
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, StatefulSets: f.Apps().V1().StatefulSets(), Pods: f.Core().V1().Pods(),
		Claims: f.Core().V1().PersistentVolumeClaims(), Revisions: f.Apps().V1().ControllerRevisions()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

func TestControllerCreatesPodsClaimsRevisionAndStatus(t *testing.T) {
	set := newSet(2)
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	client := start(t, set)
	ctx := context.Background()
	controllertest.WaitFor(t, "pods, claims, a revision and status", func() string {
		pods, _ := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		claims, _ := client.CoreV1().PersistentVolumeClaims("default").List(ctx, metav1.ListOptions{})
		revs, _ := client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
		got, _ := client.AppsV1().StatefulSets("default").Get(ctx, "web", metav1.GetOptions{})
		var names []string
		for _, p := range pods.Items {
			names = append(names, p.Name+"@"+p.Labels[appsv1.StatefulSetRevisionLabel])
		}
		for _, c := range claims.Items {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		if len(revs.Items) != 1 {
			return fmt.Sprintf("%d revisions", len(revs.Items))
		}
		rev := revs.Items[0].Name
		want := []string{"web-0@" + rev, "web-1@" + rev, "www-web-0", "www-web-1"}
		if !slices.Equal(names, want) {
			return fmt.Sprintf("objects %v, want %v", names, want)
		}
		st := got.Status
		if st.Replicas != 2 || st.UpdatedReplicas != 2 || st.CurrentRevision != rev || st.UpdateRevision != rev ||
			st.ObservedGeneration != 1 || st.CollisionCount == nil {
			return fmt.Sprintf("status %+v", st)
		}
		return ""
	})
	controllertest.WaitFor(t, "events", func() string {
		evs, _ := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		var msgs []string
		for _, e := range evs.Items {
			msgs = append(msgs, e.Reason+": "+e.Message)
		}
		for _, want := range []string{
			"SuccessfulCreate: create Pod web-0 in StatefulSet web successful",
			"SuccessfulCreate: create Claim www-web-1 Pod web-1 in StatefulSet web success",
		} {
			if !slices.Contains(msgs, want) {
				return fmt.Sprintf("events %q lack %q", msgs, want)
			}
		}
		return ""
	})
}
