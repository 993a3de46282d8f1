package horizontalpodautoscaler

import (
	"context"
	"slices"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// stores serves both versions from one store, as the API server does.
func stores(t *testing.T) (v2, v1 *registry.Store) {
	t.Helper()
	st := memory.New(memory.Config{})
	v2 = registrytest.NewStore(t, Resource(), st)
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	v1, err = registry.NewStore(registry.StoreConfig{Resource: ResourceV1(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return v2, v1
}

func TestBothVersionsShareObjects(t *testing.T) {
	ctx := context.Background()
	v2s, v1s := stores(t)

	w, err := v2s.Watch(ctx, "shop", metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// Created through v1 with only what v1 has.
	out, err := v1s.Create(ctx, "shop", &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MaxReplicas:    4, TargetCPUUtilizationPercentage: ptr.To[int32](60),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*autoscalingv1.HorizontalPodAutoscaler)
	if created.Generation != 1 || *created.Spec.MinReplicas != 1 || len(created.Annotations) != 0 {
		t.Errorf("created through v1: %+v", created)
	}

	// Read as v2: the CPU target is a metric; same uid and resourceVersion.
	got, err := v2s.Get(ctx, "shop", "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := got.(*autoscalingv2.HorizontalPodAutoscaler)
	if h.UID != created.UID || h.ResourceVersion != created.ResourceVersion || len(h.Spec.Metrics) != 1 || *h.Spec.Metrics[0].Resource.Target.AverageUtilization != 60 {
		t.Fatalf("read as v2: %+v", h)
	}
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Added || ev.Object.(*autoscalingv2.HorizontalPodAutoscaler).Name != "web" {
			t.Errorf("v2 watch: %s %T", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the v2 watch saw no create made through v1")
	}

	// A v2-only metric and conditions, written through v2 (spec, then status).
	h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr.To(resourceQ("10"))}}})
	out, err = v2s.Update(ctx, "shop", "web", h, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	h = out.(*autoscalingv2.HorizontalPodAutoscaler)
	if h.Generation != 2 {
		t.Errorf("generation after a spec change: %d", h.Generation)
	}
	h.Status.CurrentReplicas = 2
	h.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound"}}
	if _, err := v2s.Update(ctx, "shop", "web", h, metav1.UpdateOptions{}, "status"); err != nil {
		t.Fatal(err)
	}

	// A v1 client that knows nothing of annotations changes maxReplicas: the external
	// metric and the conditions survive.
	got, err = v1s.Get(ctx, "shop", "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old1 := got.(*autoscalingv1.HorizontalPodAutoscaler)
	if old1.Status.CurrentReplicas != 2 || old1.Annotations[MetricsAnnotation] == "" || old1.Annotations[ConditionsAnnotation] == "" {
		t.Fatalf("read as v1: %+v", old1)
	}
	blind := old1.DeepCopy()
	blind.Annotations = nil
	blind.Spec.MaxReplicas = 6
	// (dropping the metrics annotation drops the metric, as upstream: it is spec)
	blind.Annotations = map[string]string{MetricsAnnotation: old1.Annotations[MetricsAnnotation]}
	if _, err := v1s.Update(ctx, "shop", "web", blind, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = v2s.Get(ctx, "shop", "web", metav1.GetOptions{})
	h = got.(*autoscalingv2.HorizontalPodAutoscaler)
	if h.Spec.MaxReplicas != 6 || len(h.Spec.Metrics) != 2 || len(h.Status.Conditions) != 1 || len(h.Annotations) != 0 {
		t.Errorf("after the v1 update: %+v", h)
	}

	// Lists agree.
	l1, err := v1s.List(ctx, "shop", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := v2s.List(ctx, "shop", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l1.(*autoscalingv1.HorizontalPodAutoscalerList).ResourceVersion != l2.(*autoscalingv2.HorizontalPodAutoscalerList).ResourceVersion ||
		len(l1.(*autoscalingv1.HorizontalPodAutoscalerList).Items) != 1 {
		t.Errorf("lists differ: %+v %+v", l1, l2)
	}
}

func TestValidationThroughBothVersions(t *testing.T) {
	ctx := context.Background()
	v2s, v1s := stores(t)
	_, err := v1s.Create(ctx, "shop", &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", APIVersion: "v1"},
			MinReplicas:    ptr.To[int32](3), MaxReplicas: 2, TargetCPUUtilizationPercentage: ptr.To[int32](0),
		},
	}, metav1.CreateOptions{})
	want := []string{"spec.maxReplicas", "spec.scaleTargetRef.name", "spec.scaleTargetRef.apiVersion", "spec.metrics[0].resource.target.averageUtilization"}
	if got := registrytest.Causes(t, err); !slices.Equal(got, want) {
		t.Errorf("v1 causes %v, want %v", got, want)
	}
	_, err = v2s.Create(ctx, "shop", &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "zero"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    ptr.To[int32](0), MaxReplicas: 2,
		},
	}, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.metrics"}) {
		t.Errorf("scale to zero on CPU: causes %v", got)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"}) || len(wide) != 0 {
		t.Errorf("columns %v wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	h := full()
	h.CreationTimestamp = metav1.NewTime(now.Add(-3 * time.Minute))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(h)
	// Statuses are matched to specs by index, as upstream's printer does: the first
	// status (CPU, with a raw value) fills the memory cell.
	want := []any{"web", "Deployment/web", "memory: 110m/500Mi, cpu: <unknown>/60% + 4 more...", "2", int64(10), int64(3), "3m"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row\n got %#v\nwant %#v (%v)", row, want, err)
	}
	// The CPU reading at the same index as its target, as upstream matches them.
	h.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilization(70)}
	h.Spec.MinReplicas = nil
	row, _ = Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(h)
	if row[2] != "cpu: 55%/70%" || row[3] != "<unset>" {
		t.Errorf("cpu row %#v", row)
	}
	// v1 prints the same.
	v1, _ := ToV1(h)
	row1, err := V1Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(v1)
	if err != nil || !slices.Equal(row1, row) {
		t.Errorf("v1 row %#v, v2 row %#v", row1, row)
	}
	if got := targets(nil, nil); got != "<none>" {
		t.Errorf("no metrics: %q", got)
	}
}
