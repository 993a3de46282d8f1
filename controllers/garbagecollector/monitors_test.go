package garbagecollector

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/controllertest"
)

var podGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// TestMonitorsShareTypedInformers: a resource the controllers' factory already watches
// is followed through that informer (typed objects feed the graph), and the collector
// makes the factory start no informer of its own; another resource gets a metadata
// informer.
func TestMonitorsShareTypedInformers(t *testing.T) {
	client := fake.NewClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	pods := factory.Core().V1().Pods().Informer()
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	defer func() {
		cancel()
		factory.Shutdown()
	}()

	scheme := runtime.NewScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Metadata: metadatafake.NewSimpleMetadataClient(scheme), Discovery: client.Discovery(), Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	c.typed = factory.WaitForCacheSync(ctx.Done())
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(corev1.SchemeGroupVersion.WithKind("Pod"), meta.RESTScopeNamespace)
	mapper.Add(corev1.SchemeGroupVersion.WithKind("ConfigMap"), meta.RESTScopeNamespace)
	c.mapper = mapper

	c.mu.Lock()
	podMonitor := c.startMonitor(ctx, podGVR)
	cmMonitor := c.startMonitor(ctx, cmGVR)
	c.mu.Unlock()
	defer func() {
		for _, m := range []*monitor{podMonitor, cmMonitor} {
			m.stop()
			m.wait()
		}
	}()
	// (client-go hands out a typed view of the one shared informer at each call.)
	if shared := c.sharedInformer(podGVR); shared == nil || shared.GetStore() != pods.GetStore() {
		t.Error("pods are not followed through the factory's pod informer")
	}
	if c.sharedInformer(cmGVR) != nil {
		t.Error("config maps, which the factory does not watch, got a shared informer")
	}
	if _, ok := factory.WaitForCacheSync(ctx.Done())[reflect.TypeOf(&corev1.ConfigMap{})]; ok {
		t.Error("the collector started a typed informer in the controllers' factory")
	}
	if !cache.WaitForCacheSync(ctx.Done(), podMonitor.synced, cmMonitor.synced) {
		t.Fatal("monitors did not sync")
	}

	// A pod whose owner the graph does not know is queued for a look, from the typed
	// object the shared informer hands over.
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p", UID: "pod-1",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "gone", UID: "cm-1"}}}}
	if _, err := client.CoreV1().Pods("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "the pod from the shared informer queued", func() string {
		if c.toDelete.Len() == 0 {
			return "nothing queued"
		}
		return ""
	})
	if r, _ := c.toDelete.Get(); r.uid != "pod-1" || r.gvr != podGVR || r.name != "p" {
		t.Errorf("queued %+v", r)
	}
}
