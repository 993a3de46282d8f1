package endpoints

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"kite/controllers/controllertest"
)

func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Services: f.Core().V1().Services(), Pods: f.Core().V1().Pods(), Endpoints: f.Core().V1().Endpoints()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

func endpointsSay(client *fake.Clientset, ready, notReady string) func() string {
	return func() string {
		ep, err := client.CoreV1().Endpoints("default").Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		var r, n []string
		for _, s := range ep.Subsets {
			r = append(r, ips(s.Addresses)...)
			n = append(n, ips(s.NotReadyAddresses)...)
		}
		if fmt.Sprint(r) != ready || fmt.Sprint(n) != notReady {
			return fmt.Sprintf("ready %v, not ready %v", r, n)
		}
		return ""
	}
}

func TestControllerKeepsEndpointsOfSelectedPods(t *testing.T) {
	svc := testService(corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP})
	svc.CreationTimestamp = metav1.Now()
	other := testPod("other", "10.42.0.7", true)
	other.Labels = map[string]string{"app": "db"}
	client := start(t, svc, testPod("a", "10.42.0.2", true), testPod("b", "10.42.0.3", false), other)
	ctx := context.Background()
	controllertest.WaitFor(t, "endpoints", endpointsSay(client, "[10.42.0.2]", "[10.42.0.3]"))

	ep, _ := client.CoreV1().Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
	if ep.Labels[LabelManagedBy] != ControllerName || ep.Labels["tier"] != "front" {
		t.Errorf("labels %v", ep.Labels)
	}
	if _, err := time.Parse(time.RFC3339Nano, ep.Annotations[corev1.EndpointsLastChangeTriggerTime]); err != nil {
		t.Errorf("trigger time annotation: %v", ep.Annotations)
	}
	if len(ep.Subsets) != 1 || len(ep.Subsets[0].Ports) != 1 || ep.Subsets[0].Ports[0].Port != 8080 {
		t.Errorf("subsets %+v", ep.Subsets)
	}

	// b becomes ready.
	b, _ := client.CoreV1().Pods("default").Get(ctx, "b", metav1.GetOptions{})
	b.Status.Conditions[0].Status = corev1.ConditionTrue
	b.ResourceVersion = "2"
	if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "b ready", endpointsSay(client, "[10.42.0.2 10.42.0.3]", "[]"))

	// a leaves the selector.
	a, _ := client.CoreV1().Pods("default").Get(ctx, "a", metav1.GetOptions{})
	a.Labels = map[string]string{"app": "elsewhere"}
	a.ResourceVersion = "3"
	if _, err := client.CoreV1().Pods("default").Update(ctx, a, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "a gone", endpointsSay(client, "[10.42.0.3]", "[]"))

	// Deleting the Service deletes its Endpoints.
	if err := client.CoreV1().Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "endpoints deleted", func() string {
		_, err := client.CoreV1().Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Sprintf("get: %v", err)
		}
		return ""
	})
}

func TestControllerLeavesSelectorlessServicesAlone(t *testing.T) {
	manual := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default"},
		Subsets:    []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}}, Ports: []corev1.EndpointPort{{Port: 80}}}},
	}
	ext := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	// A marker Service with a selector: once its Endpoints exist, the controller has
	// synced everything queued before it.
	marker := testService(corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(80), Protocol: corev1.ProtocolTCP})
	orphan := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "default"}}
	client := start(t, ext, manual, orphan, marker)
	ctx := context.Background()
	controllertest.WaitFor(t, "marker endpoints", endpointsSay(client, "[]", "[]"))
	got, err := client.CoreV1().Endpoints("default").Get(ctx, "ext", metav1.GetOptions{})
	if err != nil || len(got.Subsets) != 1 || got.Subsets[0].Addresses[0].IP != "192.0.2.1" || got.Labels[LabelManagedBy] != "" {
		t.Fatalf("manual endpoints changed: %+v, %v", got, err)
	}
	if _, err := client.CoreV1().Endpoints("default").Get(ctx, "orphan", metav1.GetOptions{}); err != nil {
		t.Fatalf("an Endpoints without a Service that the controller did not write was touched: %v", err)
	}
}
