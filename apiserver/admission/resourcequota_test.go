package admission

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// memQuotas is a QuotaStore in memory with the store's compare-and-swap.
type memQuotas struct {
	mu     sync.Mutex
	quotas map[string]*corev1.ResourceQuota
}

func (m *memQuotas) List(_ context.Context, ns string, _ bool) ([]corev1.ResourceQuota, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []corev1.ResourceQuota
	for _, q := range m.quotas {
		if q.Namespace == ns {
			out = append(out, *q.DeepCopy())
		}
	}
	return out, nil
}

func (m *memQuotas) UpdateStatus(_ context.Context, q *corev1.ResourceQuota) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.quotas[q.Name]
	if cur.ResourceVersion != q.ResourceVersion {
		return apierrors.NewConflict(schema.GroupResource{Resource: "resourcequotas"}, q.Name, fmt.Errorf("stale"))
	}
	// The next version is past the current one, as the store's revisions are: a
	// counter of its own could repeat the "1" the test's quotas start at, and let a
	// stale charge through.
	n, err := strconv.Atoi(cur.ResourceVersion)
	if err != nil {
		return err
	}
	cur.Status = *q.Status.DeepCopy()
	cur.ResourceVersion = strconv.Itoa(n + 1)
	return nil
}

func (m *memQuotas) used(name string, res corev1.ResourceName) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.quotas[name].Status.Used[res]
	return q.String()
}

func quantities(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func counted(name string, hard, used corev1.ResourceList, scopes ...corev1.ResourceQuotaScope) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "1"},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard, Scopes: scopes},
		Status:     corev1.ResourceQuotaStatus{Hard: hard, Used: used},
	}
}

func cpuPod(name, cpu string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Resources: corev1.ResourceRequirements{Requests: quantities("cpu", cpu, "memory", "10Mi"), Limits: quantities("cpu", cpu, "memory", "10Mi")},
	}}}}
}

func TestResourceQuotaChargesAndRefuses(t *testing.T) {
	ctx := context.Background()
	store := &memQuotas{quotas: map[string]*corev1.ResourceQuota{
		"compute": counted("compute", quantities("pods", "2", "requests.cpu", "1"), quantities("pods", "0", "requests.cpu", "0")),
		"objects": counted("objects", quantities("configmaps", "1", "count/deployments.apps", "1"), quantities("configmaps", "0", "count/deployments.apps", "0")),
		"best":    counted("best", quantities("pods", "1"), quantities("pods", "0"), corev1.ResourceQuotaScopeBestEffort),
	}}
	pods := ResourceQuota(store, podsResource, nil)

	if err := pods(ctx, cpuPod("a", "400m")); err != nil {
		t.Fatal(err)
	}
	if store.used("compute", "pods") != "1" || store.used("compute", "requests.cpu") != "400m" || store.used("best", "pods") != "0" {
		t.Fatalf("charges: compute %v, best %v", store.quotas["compute"].Status.Used, store.quotas["best"].Status.Used)
	}
	err := pods(ctx, cpuPod("b", "700m"))
	want := `pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=700m, used: requests.cpu=400m, limited: requests.cpu=1`
	if !apierrors.IsForbidden(err) || err.Error() != want {
		t.Fatalf("over quota: %v\nwant %s", err, want)
	}
	if store.used("compute", "pods") != "1" {
		t.Errorf("a refused pod was charged: %v", store.quotas["compute"].Status.Used)
	}
	// A quota on requests.cpu makes every container state its cpu request.
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "ns"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	if err := pods(ctx, bare); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "failed quota: compute: must specify requests.cpu") {
		t.Errorf("pod without requests: %v", err)
	}

	cms := ResourceQuota(store, schema.GroupResource{Resource: "configmaps"}, nil)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c1", Namespace: "ns"}}
	if err := cms(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if err := cms(ctx, cm); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1") {
		t.Errorf("second configmap: %v", err)
	}
	deploys := ResourceQuota(store, schema.GroupResource{Group: "apps", Resource: "deployments"}, nil)
	if err := deploys(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}}); err != nil {
		t.Fatal(err)
	}
	if store.used("objects", "count/deployments.apps") != "1" {
		t.Errorf("count/deployments.apps not charged: %v", store.quotas["objects"].Status.Used)
	}
	// Objects no quota measures pass untouched.
	if err := ResourceQuota(store, schema.GroupResource{Resource: "secrets"}, nil)(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}}); err != nil {
		t.Error(err)
	}
}

func TestResourceQuotaUnknownStatus(t *testing.T) {
	q := counted("fresh", quantities("pods", "2"), nil)
	store := &memQuotas{quotas: map[string]*corev1.ResourceQuota{"fresh": q}}
	err := ResourceQuota(store, podsResource, nil)(context.Background(), cpuPod("a", "1"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "status unknown for quota: fresh, resources: pods") {
		t.Fatalf("uncounted quota: %v", err)
	}
	// Before the controller copies spec.hard to status, the quota limits nothing.
	q.Status = corev1.ResourceQuotaStatus{}
	if err := ResourceQuota(store, podsResource, nil)(context.Background(), cpuPod("a", "1")); err != nil {
		t.Fatal(err)
	}
}

// Concurrent creates cannot all pass: each charge is a compare-and-swap.
func TestResourceQuotaConcurrentCreates(t *testing.T) {
	store := &memQuotas{quotas: map[string]*corev1.ResourceQuota{
		"q": counted("q", quantities("pods", "3"), quantities("pods", "0")),
	}}
	admit := ResourceQuota(store, podsResource, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for i := range 8 {
		wg.Go(func() {
			if admit(context.Background(), cpuPod(fmt.Sprint("p", i), "1")) == nil {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if passed != 3 || store.used("q", "pods") != "3" {
		t.Fatalf("%d creates passed, used %s; want 3 and 3", passed, store.used("q", "pods"))
	}
}
