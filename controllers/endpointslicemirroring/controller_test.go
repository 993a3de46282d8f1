package endpointslicemirroring

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"kite/controllers/controllertest"
)

func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	n := 0
	client.PrependReactor("create", "endpointslices", func(a clienttesting.Action) (bool, runtime.Object, error) {
		s := a.(clienttesting.CreateAction).GetObject().(*discoveryv1.EndpointSlice)
		n++
		if s.Name == "" {
			s.Name = fmt.Sprintf("%sx%d", s.GenerateName, n)
		}
		s.UID = types.UID(fmt.Sprintf("slice-uid-%d", n))
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Services: f.Core().V1().Services(), Endpoints: f.Core().V1().Endpoints(),
		EndpointSlices: f.Discovery().V1().EndpointSlices()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

func mirroredOf(client *fake.Clientset, name string) []discoveryv1.EndpointSlice {
	list, _ := client.DiscoveryV1().EndpointSlices("default").List(context.Background(), metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	return list.Items
}

func TestControllerMirrorsHandWrittenEndpoints(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default", UID: "ep-uid",
			Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"note": "x", corev1.LastAppliedConfigAnnotation: "{}"}},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}}}},
	}
	// A skip-mirror Endpoints, as the API server's own kubernetes one.
	skipSvc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}}
	skip := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
		Labels: map[string]string{discoveryv1.LabelSkipMirror: "true"}},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.9"}}}}}
	client := start(t, skipSvc, skip, svc, ep)
	ctx := context.Background()
	controllertest.WaitFor(t, "mirrored slice", func() string {
		s := mirroredOf(client, "ext")
		if len(s) != 1 || len(s[0].Endpoints) != 1 || s[0].Endpoints[0].Addresses[0] != "192.0.2.1" {
			return fmt.Sprintf("%d slices", len(s))
		}
		return ""
	})
	s := mirroredOf(client, "ext")[0]
	ref := metav1.GetControllerOf(&s)
	if s.Labels[discoveryv1.LabelManagedBy] != ControllerName || s.Labels["team"] != "a" || s.Annotations["note"] != "x" ||
		s.Annotations[corev1.LastAppliedConfigAnnotation] != "" || ref == nil || ref.Kind != "Endpoints" || ref.UID != "ep-uid" ||
		*s.Ports[0].Port != 8080 || !*s.Endpoints[0].Conditions.Ready {
		t.Errorf("slice %+v", s)
	}
	if got := mirroredOf(client, "kubernetes"); len(got) != 0 {
		t.Errorf("skip-mirror Endpoints mirrored: %+v", got)
	}

	// The Endpoints changes: the slice follows.
	ep.Subsets[0].NotReadyAddresses = []corev1.EndpointAddress{{IP: "192.0.2.2"}}
	ep.ResourceVersion = "2"
	if _, err := client.CoreV1().Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "second address", func() string {
		s := mirroredOf(client, "ext")
		if len(s) != 1 || len(s[0].Endpoints) != 2 || *s[0].Endpoints[1].Conditions.Ready {
			return fmt.Sprintf("%+v", s)
		}
		return ""
	})

	// The Service gains a selector: mirroring stops and the slice goes.
	svc.Spec.Selector = map[string]string{"app": "ext"}
	svc.ResourceVersion = "2"
	if _, err := client.CoreV1().Services("default").Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "slice deleted", func() string {
		if s := mirroredOf(client, "ext"); len(s) != 0 {
			return fmt.Sprintf("%d slices", len(s))
		}
		return ""
	})
}
