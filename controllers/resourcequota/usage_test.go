package resourcequota

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/quota"
)

func rl(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func container(name string, req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: name, Image: "busybox", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

func TestComputeUsageScopesAndCounts(t *testing.T) {
	best := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "best"}, Spec: corev1.PodSpec{Containers: []corev1.Container{container("c", nil, nil)}}}
	burst := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "burst"}, Spec: corev1.PodSpec{
		ActiveDeadlineSeconds: ptr.To[int64](60), PriorityClassName: "high",
		Containers: []corev1.Container{container("c", rl("cpu", "1", "memory", "1Gi"), nil)}}}
	done := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "done"}, Status: corev1.PodStatus{Phase: corev1.PodFailed}}
	l := listers{
		pods:     func(string) ([]*corev1.Pod, error) { return []*corev1.Pod{best, burst, done}, nil },
		services: func(string) ([]*corev1.Service, error) { return []*corev1.Service{{}}, nil },
		claims:   func(string) ([]*corev1.PersistentVolumeClaim, error) { return nil, nil },
		count: func(_ context.Context, name corev1.ResourceName, _ string) (int64, error) {
			if gr, ok := quota.CountedResource(name); !ok || gr.Resource != "configmaps" && gr.Resource != "replicasets" {
				t.Errorf("counted %s", name)
			}
			return 3, nil
		},
	}
	newQuota := func(hard corev1.ResourceList, scopes []corev1.ResourceQuotaScope, sel ...corev1.ScopedResourceSelectorRequirement) *corev1.ResourceQuota {
		q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: hard, Scopes: scopes}}
		if len(sel) > 0 {
			q.Spec.ScopeSelector = &corev1.ScopeSelector{MatchExpressions: sel}
		}
		return q
	}
	for _, tc := range []struct {
		name string
		q    *corev1.ResourceQuota
		want corev1.ResourceList
	}{
		{"unscoped", newQuota(rl("pods", "10", "count/pods", "10", "requests.cpu", "4", "services", "5", "configmaps", "5", "count/replicasets.apps", "5", "requests.example.com/dongle", "3"), nil),
			rl("pods", "2", "count/pods", "3", "requests.cpu", "1", "services", "1", "configmaps", "3", "count/replicasets.apps", "3", "requests.example.com/dongle", "0")},
		{"best effort", newQuota(rl("pods", "10", "configmaps", "5"), []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}),
			rl("pods", "1", "configmaps", "0")},
		{"not best effort", newQuota(rl("pods", "10", "requests.memory", "5Gi"), []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}),
			rl("pods", "1", "requests.memory", "1Gi")},
		{"terminating", newQuota(rl("pods", "10"), []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating}), rl("pods", "1")},
		{"not terminating", newQuota(rl("pods", "10"), []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotTerminating}), rl("pods", "1")},
		{"priority in", newQuota(rl("pods", "10"), nil, corev1.ScopedResourceSelectorRequirement{
			ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}}), rl("pods", "1")},
		{"priority not in", newQuota(rl("pods", "10"), nil, corev1.ScopedResourceSelectorRequirement{
			ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpNotIn, Values: []string{"high"}}), rl("pods", "1")},
		{"priority exists", newQuota(rl("pods", "10"), nil, corev1.ScopedResourceSelectorRequirement{
			ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpExists}), rl("pods", "1")},
	} {
		got, err := computeUsage(context.Background(), tc.q, l, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Used names exactly what the quota limits, with the usage of the pods in scope.
		if !apiequality.Semantic.DeepEqual(got, tc.want) {
			t.Errorf("%s: used %v, want %v", tc.name, got, tc.want)
		}
	}
}
