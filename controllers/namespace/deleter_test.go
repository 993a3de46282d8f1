package namespace

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

var configmaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// resources is what discovery reports in these tests: configmaps (every verb) and a
// resource that cannot be deleted, which must be left alone.
func resources() ([]*metav1.APIResourceList, error) {
	return []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap", Verbs: []string{"create", "delete", "deletecollection", "get", "list", "watch"}},
			{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: []string{"create"}},
		},
	}}, nil
}

func cm(name string, finalizers ...string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "doomed", Finalizers: finalizers},
	}
}

// newDeleter returns a deleter over fakes: the namespace "doomed" being deleted, and
// the given ConfigMaps in it. The metadata fake's deletecollection behaves as the API
// server's: objects with finalizers get a deletionTimestamp, the others go.
func newDeleter(t *testing.T, objs ...runtime.Object) (*deleter, *fake.Clientset, *metadatafake.FakeMetadataClient) {
	t.Helper()
	now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	client := fake.NewClientset(&corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "doomed", DeletionTimestamp: &now},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes", "other.test/x"}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	})
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	scheme.AddKnownTypeWithName(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, &metav1.PartialObjectMetadata{})
	scheme.AddKnownTypeWithName(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMapList"}, &metav1.PartialObjectMetadataList{})
	scheme.AddKnownTypeWithName(schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, &metav1.PartialObjectMetadata{})
	scheme.AddKnownTypeWithName(schema.GroupVersionKind{Version: "v1", Kind: "PodList"}, &metav1.PartialObjectMetadataList{})
	meta := metadatafake.NewSimpleMetadataClient(scheme, objs...)
	meta.PrependReactor("delete-collection", "configmaps", func(a clienttesting.Action) (bool, runtime.Object, error) {
		tr := meta.Tracker()
		list, err := tr.List(configmaps, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		for _, o := range list.(*metav1.PartialObjectMetadataList).Items {
			if len(o.Finalizers) == 0 {
				if err := tr.Delete(configmaps, o.Namespace, o.Name); err != nil {
					return true, nil, err
				}
				continue
			}
			o.DeletionTimestamp = &now
			if err := tr.Update(configmaps, &o, o.Namespace); err != nil {
				return true, nil, err
			}
		}
		return true, nil, nil
	})
	d := &deleter{
		client:      client,
		metadata:    meta,
		discover:    resources,
		clock:       clocktesting.NewFakeClock(now.Add(time.Second)),
		unsupported: map[verbKey]bool{},
	}
	return d, client, meta
}

// finalizeCalls returns the spec.finalizers each call to the finalize subresource sent.
func finalizeCalls(client *fake.Clientset) [][]corev1.FinalizerName {
	var out [][]corev1.FinalizerName
	for _, a := range client.Actions() {
		if a.GetSubresource() == "finalize" {
			ns := a.(clienttesting.CreateAction).GetObject().(*corev1.Namespace)
			out = append(out, ns.Spec.Finalizers)
		}
	}
	return out
}

func TestDeleteEmptiesAndFinalizes(t *testing.T) {
	d, client, meta := newDeleter(t, cm("a"), cm("b"))
	if err := d.delete(context.Background(), "doomed"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	list, err := meta.Resource(configmaps).Namespace("doomed").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("configmaps left: %v %v", list, err)
	}
	// Only its own token is removed; other finalizers stay for their owners.
	if got := finalizeCalls(client); len(got) != 1 || !slices.Equal(got[0], []corev1.FinalizerName{"other.test/x"}) {
		t.Errorf("finalize calls %v, want one leaving [other.test/x]", got)
	}
	ns, err := client.CoreV1().Namespaces().Get(context.Background(), "doomed", metav1.GetOptions{})
	if err != nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("namespace phase %v (%v), want Terminating", ns.Status.Phase, err)
	}
	// The resource without delete was not touched.
	for _, a := range meta.Actions() {
		if a.GetResource().Resource == "bindings" {
			t.Errorf("bindings were acted on: %v", a)
		}
	}
}

func TestDeleteWaitsForFinalizers(t *testing.T) {
	d, client, _ := newDeleter(t, cm("a"), cm("held", "kite.test/hold"))
	err := d.delete(context.Background(), "doomed")
	var remaining *remainingError
	if !errors.As(err, &remaining) || remaining.estimate != finalizerEstimate {
		t.Fatalf("delete = %v, want content remaining for %s", err, finalizerEstimate)
	}
	if got := finalizeCalls(client); len(got) != 0 {
		t.Errorf("finalized while content remains: %v", got)
	}
	ns, err := client.CoreV1().Namespaces().Get(context.Background(), "doomed", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[corev1.NamespaceConditionType]string{
		corev1.NamespaceContentRemaining:    "Some resources are remaining: configmaps. has 1 resource instances",
		corev1.NamespaceFinalizersRemaining: "Some finalizers are remaining: kite.test/hold in 1 resource instances",
	}
	for _, c := range ns.Status.Conditions {
		if w, ok := want[c.Type]; ok && (c.Message != w || c.Status != corev1.ConditionTrue) {
			t.Errorf("%s = %s %q, want True %q", c.Type, c.Status, c.Message, w)
		}
	}
	if len(ns.Status.Conditions) != 5 {
		t.Errorf("conditions %v, want 5", ns.Status.Conditions)
	}
}

func TestDeleteLeavesLiveNamespacesAlone(t *testing.T) {
	d, client, meta := newDeleter(t, cm("a"))
	if err := client.Tracker().Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "alive"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alive", "missing"} {
		if err := d.delete(context.Background(), name); err != nil {
			t.Errorf("delete(%s) = %v", name, err)
		}
	}
	if n := len(meta.Actions()); n != 0 {
		t.Errorf("%d metadata actions for namespaces not being deleted: %v", n, meta.Actions())
	}
}

func TestDiscoveryFailureIsReported(t *testing.T) {
	d, client, _ := newDeleter(t)
	d.discover = func() ([]*metav1.APIResourceList, error) { return nil, errors.New("connection refused") }
	if err := d.delete(context.Background(), "doomed"); err == nil {
		t.Fatal("delete succeeded without discovery")
	}
	ns, _ := client.CoreV1().Namespaces().Get(context.Background(), "doomed", metav1.GetOptions{})
	found := false
	for _, c := range ns.Status.Conditions {
		if c.Type == corev1.NamespaceDeletionDiscoveryFailure {
			found = c.Status == corev1.ConditionTrue && c.Reason == "DiscoveryFailed" && c.Message == "connection refused"
		}
	}
	if !found {
		t.Errorf("conditions %v lack DiscoveryFailed", ns.Status.Conditions)
	}
	if got := finalizeCalls(client); len(got) != 0 {
		t.Errorf("finalized without discovery: %v", got)
	}
}

func TestPodGracePeriodEstimate(t *testing.T) {
	d, client, _ := newDeleter(t)
	grace := int64(30)
	for _, p := range []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "running", Namespace: "doomed"}, Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace}},
		{ObjectMeta: metav1.ObjectMeta{Name: "done", Namespace: "doomed"}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
	} {
		if err := client.Tracker().Add(p); err != nil {
			t.Fatal(err)
		}
	}
	// The longest grace period of the pods still running, however long ago the
	// namespace was deleted (a pod past it is still being stopped).
	got, err := d.podGracePeriod(context.Background(), "doomed")
	if err != nil || got != 30*time.Second {
		t.Errorf("estimate = %s, %v; want 30s", got, err)
	}
}

// Pods go before everything else: while one remains (a long grace period, here a
// finalizer), the namespace's ConfigMaps stay.
func TestDeletePodsFirst(t *testing.T) {
	pod := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "doomed", Finalizers: []string{"kite.test/hold"}},
	}
	d, _, meta := newDeleter(t, cm("a"), pod)
	pods := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	// As the API server: a pod with a finalizer is only marked for deletion.
	meta.PrependReactor("delete", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		held := pod.DeepCopy()
		now := metav1.Now()
		held.DeletionTimestamp = &now
		return true, nil, meta.Tracker().Update(pods, held, "doomed")
	})
	d.discover = func() ([]*metav1.APIResourceList, error) {
		lists, _ := resources()
		lists[0].APIResources = append(lists[0].APIResources, metav1.APIResource{Name: "pods", Namespaced: true, Kind: "Pod",
			Verbs: []string{"delete", "get", "list", "watch"}})
		return lists, nil
	}
	var remaining *remainingError
	if err := d.delete(context.Background(), "doomed"); !errors.As(err, &remaining) {
		t.Fatalf("delete = %v, want the pod remaining", err)
	}
	if _, err := meta.Resource(configmaps).Namespace("doomed").Get(context.Background(), "a", metav1.GetOptions{}); err != nil {
		t.Errorf("a ConfigMap went while a pod remained: %v", err)
	}
	if p, err := meta.Resource(pods).Namespace("doomed").Get(context.Background(), "p", metav1.GetOptions{}); err != nil || p.DeletionTimestamp == nil {
		t.Errorf("the pod was not deleted first: %v %+v", err, p)
	}
}

// TestRetriesAreAtMostAMinuteApart: a namespace whose passes keep failing (content
// that should be gone is still there) is looked at again within a minute however
// often it failed, as upstream's; client-go's default limiter would wait 1000 s.
func TestRetriesAreAtMostAMinuteApart(t *testing.T) {
	rl := rateLimiter()
	var last time.Duration
	for range 30 {
		last = rl.When("doomed")
	}
	if last > time.Minute || last < 30*time.Second {
		t.Errorf("back-off after 30 failures = %s, want at most a minute (and grown toward it)", last)
	}
}
