package endpointslice

import (
	"context"
	"fmt"
	"sort"
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

// start runs the controller over a fake clientset; the fake fills in neither
// generateName nor uid nor resourceVersion, so a reactor does, as the server would.
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
	c, err := New(Config{Client: client, Services: f.Core().V1().Services(), Pods: f.Core().V1().Pods(),
		Nodes: f.Core().V1().Nodes(), EndpointSlices: f.Discovery().V1().EndpointSlices(), MaxEndpointsPerSlice: 2})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

// sliceView lists each slice's endpoints as "IP:ready", sorted, e.g. "[[a:true b:false]]".
func sliceView(client *fake.Clientset) string {
	list, _ := client.DiscoveryV1().EndpointSlices("default").List(context.Background(), metav1.ListOptions{})
	var out []string
	for _, s := range list.Items {
		var e []string
		for _, ep := range s.Endpoints {
			e = append(e, fmt.Sprintf("%s:%v", ep.Addresses[0], *ep.Conditions.Ready))
		}
		sort.Strings(e)
		out = append(out, fmt.Sprint(e))
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

func TestControllerWritesAndUpdatesSlices(t *testing.T) {
	client := start(t, testService(), testPod("a", "10.42.0.2", true), testPod("b", "10.42.0.3", false), testPod("c", "10.42.0.4", true))
	ctx := context.Background()
	// At most two endpoints per slice (MaxEndpointsPerSlice 2).
	controllertest.WaitFor(t, "slices", func() string {
		if got := sliceView(client); got != "[[10.42.0.2:true 10.42.0.3:false] [10.42.0.4:true]]" {
			return got
		}
		return ""
	})
	list, _ := client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{})
	for _, s := range list.Items {
		ref := metav1.GetControllerOf(&s)
		if s.Labels[discoveryv1.LabelServiceName] != "web" || s.Labels[discoveryv1.LabelManagedBy] != ControllerName ||
			s.Labels["tier"] != "front" || ref == nil || ref.Kind != "Service" || ref.UID != "svc-uid" ||
			s.AddressType != discoveryv1.AddressTypeIPv4 || len(s.Ports) != 1 || *s.Ports[0].Port != 8080 {
			t.Errorf("slice %s: labels %v owner %+v type %s ports %+v", s.Name, s.Labels, ref, s.AddressType, s.Ports)
		}
	}

	b, _ := client.CoreV1().Pods("default").Get(ctx, "b", metav1.GetOptions{})
	b.Status.Conditions[0].Status = corev1.ConditionTrue
	b.ResourceVersion = "2"
	if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "b ready", func() string {
		if got := sliceView(client); got != "[[10.42.0.2:true 10.42.0.3:true] [10.42.0.4:true]]" {
			return got
		}
		return ""
	})

	// Every pod gone: one empty placeholder slice remains.
	for _, n := range []string{"a", "b", "c"} {
		if err := client.CoreV1().Pods("default").Delete(ctx, n, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	controllertest.WaitFor(t, "placeholder", func() string {
		if got := sliceView(client); got != "[[]]" {
			return got
		}
		return ""
	})
}
