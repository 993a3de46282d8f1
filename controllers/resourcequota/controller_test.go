package resourcequota

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	testingclock "k8s.io/utils/clock/testing"

	"kite/controllers/controllertest"
)

func partial(apiVersion, kind, name string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
	}
}

func TestControllerCountsAndReplenishes(t *testing.T) {
	ctx := context.Background()
	quota := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"},
		Spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "5", "requests.cpu", "2", "configmaps", "10",
			"count/replicasets.apps", "4", "count/widgets.example.com", "1")},
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container("c", rl("cpu", "300m"), nil)}}}
	client := kubefake.NewClientset(quota, pod)
	client.Discovery().(*fake.FakeDiscovery).Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "configmaps", Namespaced: true, Kind: "ConfigMap"}}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "replicasets", Namespaced: true, Kind: "ReplicaSet"}}},
	}
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	meta := metadatafake.NewSimpleMetadataClient(scheme,
		partial("v1", "ConfigMap", "a"), partial("v1", "ConfigMap", "b"),
		partial("apps/v1", "ReplicaSet", "r"))
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Metadata: meta,
		Quotas: f.Core().V1().ResourceQuotas(), Pods: f.Core().V1().Pods(),
		Services: f.Core().V1().Services(), Claims: f.Core().V1().PersistentVolumeClaims()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)

	used := func(want map[string]string) func() string {
		return func() string {
			q, err := client.CoreV1().ResourceQuotas("ns").Get(ctx, "q", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			if len(q.Status.Hard) != len(q.Spec.Hard) {
				return fmt.Sprintf("status.hard %v", q.Status.Hard)
			}
			for name, w := range want {
				got, ok := q.Status.Used[corev1.ResourceName(name)]
				if !ok || got.Cmp(resource.MustParse(w)) != 0 {
					return fmt.Sprintf("used %v", q.Status.Used)
				}
			}
			return ""
		}
	}
	controllertest.WaitFor(t, "first count", used(map[string]string{"pods": "1", "requests.cpu": "300m", "configmaps": "2",
		"count/replicasets.apps": "1", "count/widgets.example.com": "0"}))

	// A new pod and the deletion of a counted object are both noticed.
	pod2 := pod.DeepCopy()
	pod2.Name = "p2"
	if _, err := client.CoreV1().Pods("ns").Create(ctx, pod2, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cms := meta.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace("ns")
	if err := cms.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "recount", used(map[string]string{"pods": "2", "requests.cpu": "600m", "configmaps": "1"}))

	// A finished pod gives its share back.
	pod2.Status.Phase = corev1.PodSucceeded
	if _, err := client.CoreV1().Pods("ns").UpdateStatus(ctx, pod2, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "release", used(map[string]string{"pods": "1", "requests.cpu": "300m"}))

	// Status written by someone else is put back to the spec.
	q, _ := client.CoreV1().ResourceQuotas("ns").Get(ctx, "q", metav1.GetOptions{})
	q.Status.Hard = rl("pods", "100")
	if _, err := client.CoreV1().ResourceQuotas("ns").UpdateStatus(ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "status reset", used(map[string]string{"pods": "1"}))
}

// A charge that no object backs (a create refused after admission) is only found by
// the periodic full recount.
func TestControllerResyncReturnsLostCharges(t *testing.T) {
	ctx := context.Background()
	hard := rl("pods", "5")
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"},
		Spec: corev1.ResourceQuotaSpec{Hard: hard}}
	client := kubefake.NewClientset(quota)
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	clk := testingclock.NewFakeClock(time.Now())
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Metadata: metadatafake.NewSimpleMetadataClient(scheme), Clock: clk,
		Quotas: f.Core().V1().ResourceQuotas(), Pods: f.Core().V1().Pods(),
		Services: f.Core().V1().Services(), Claims: f.Core().V1().PersistentVolumeClaims()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	usedPods := func(want string) func() string {
		return func() string {
			q, err := client.CoreV1().ResourceQuotas("ns").Get(ctx, "q", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			if got := q.Status.Used[corev1.ResourcePods]; got.String() != want {
				return fmt.Sprintf("used %v", q.Status.Used)
			}
			return ""
		}
	}
	controllertest.WaitFor(t, "first count", usedPods("0"))
	// What admission does: charge used, here for a pod that never got stored.
	q, _ := client.CoreV1().ResourceQuotas("ns").Get(ctx, "q", metav1.GetOptions{})
	q.Status.Used = rl("pods", "1")
	if _, err := client.CoreV1().ResourceQuotas("ns").UpdateStatus(ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "the charge stored", usedPods("1"))
	controllertest.WaitFor(t, "the resync timer", func() string {
		if !clk.HasWaiters() {
			return "no timer"
		}
		return ""
	})
	clk.Step(5 * time.Minute)
	controllertest.WaitFor(t, "the recount", usedPods("0"))
}
