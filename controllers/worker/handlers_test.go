package worker

import (
	"context"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/controllertest"
)

// seen records the names of the ConfigMaps a handler was told about.
type seen struct {
	mu    sync.Mutex
	names map[string]bool
}

func (s *seen) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.names == nil {
			s.names = map[string]bool{}
		}
		s.names[obj.(metav1.Object).GetName()] = true
	}}
}

func (s *seen) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[name]
}

// missing is "" once the handler has seen every one of names, for WaitFor.
func (s *seen) missing(names ...string) string {
	for _, n := range names {
		if !s.has(n) {
			return "not told of " + n + " yet"
		}
	}
	return ""
}

func createConfigMap(t *testing.T, client *fake.Clientset, name string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	if _, err := client.CoreV1().ConfigMaps("ns").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// afterRemoval creates a ConfigMap once handlers are removed and waits until a handler
// registered afterwards has seen it: the informer hands an event to the handlers
// registered at that moment, so by then a removed handler has missed it for good.
func afterRemoval(t *testing.T, client *fake.Clientset, inf cache.SharedInformer, name string) {
	t.Helper()
	var probe seen
	reg, err := inf.AddEventHandler(probe.handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inf.RemoveEventHandler(reg) })
	createConfigMap(t, client, name)
	controllertest.WaitFor(t, "the probe handler to see "+name, func() string { return probe.missing(name) })
}

func TestHandlersAreRemovedTogether(t *testing.T) {
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	inf := f.Core().V1().ConfigMaps().Informer()
	var one, two seen
	var h Handlers
	for _, s := range []*seen{&one, &two} {
		if err := h.Add(inf, s.handler()); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer f.Shutdown()
	defer cancel()
	f.Start(ctx.Done())

	createConfigMap(t, client, "before")
	controllertest.WaitFor(t, "both handlers to see the first ConfigMap", func() string { return one.missing("before") + two.missing("before") })

	h.Remove()
	h.Remove() // a second Remove is harmless
	afterRemoval(t, client, inf, "after")
	if one.has("after") || two.has("after") {
		t.Fatalf("a removed handler was told of a ConfigMap created after Remove")
	}
}

func TestHandlersAddFailureRemovesWhatWasAdded(t *testing.T) {
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	live := f.Core().V1().ConfigMaps().Informer()
	ctx, cancel := context.WithCancel(context.Background())
	defer f.Shutdown()
	defer cancel()
	f.Start(ctx.Done())

	// An informer that has run and stopped refuses new handlers.
	stoppedFactory := informers.NewSharedInformerFactory(client, 0)
	stopped := stoppedFactory.Core().V1().Secrets().Informer()
	stopCtx, stop := context.WithCancel(context.Background())
	stoppedFactory.Start(stopCtx.Done())
	stop()
	stoppedFactory.Shutdown()
	controllertest.WaitFor(t, "the secrets informer to stop", func() string {
		if stopped.IsStopped() {
			return ""
		}
		return "still running"
	})

	var first seen
	var h Handlers
	if err := h.Add(live, first.handler()); err != nil {
		t.Fatalf("Add to a running informer: %v", err)
	}
	if err := h.Add(stopped, cache.ResourceEventHandlerFuncs{}); err == nil {
		t.Fatal("Add to a stopped informer succeeded; want an error")
	}
	afterRemoval(t, client, live, "after-failure")
	if first.has("after-failure") {
		t.Fatal("the handler added before the failed Add is still registered")
	}
}
