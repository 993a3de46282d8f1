package horizontalpodautoscaler

import (
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// full is a v2 autoscaler using every kind of metric, a behavior and conditions: all of
// it must survive a trip through v1. The CPU utilization target comes last, where a
// trip through v1 puts it (v1's own field follows the annotation's metrics).
func full() *autoscalingv2.HorizontalPodAutoscaler {
	q := resource.MustParse
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	at := metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: map[string]string{"team": "a"}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    ptr.To[int32](2),
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(q("500Mi"))}}},
				{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceCPU, Container: "app",
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "rps", Selector: sel},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(q("100"))}}},
				{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
					DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Ingress", Name: "main", APIVersion: "networking.k8s.io/v1"},
					Metric:          autoscalingv2.MetricIdentifier{Name: "hits"},
					Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr.To(q("2k"))}}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "queue"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(q("30"))}}},
				cpuUtilization(70),
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60), SelectPolicy: ptr.To(autoscalingv2.MinChangePolicySelect),
					Policies:  []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 30}},
					Tolerance: ptr.To(q("50m"))},
			},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: ptr.To[int64](3),
			LastScaleTime:      &at,
			CurrentReplicas:    3,
			DesiredReplicas:    4,
			CurrentMetrics: []autoscalingv2.MetricStatus{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
					Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](55), AverageValue: ptr.To(q("110m"))}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
					Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(q("90"))}}},
			},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, LastTransitionTime: at, Reason: "ReadyForNewScale", Message: "recommended size matches current size", ObservedGeneration: ptr.To[int64](3)},
			},
		},
	}
}

func TestV2ToV1ToV2KeepsEverything(t *testing.T) {
	in := full()
	before := in.DeepCopy()
	v1, err := ToV1(in)
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(in, before) {
		t.Fatal("ToV1 changed its argument")
	}
	// v1's own fields hold what they can.
	if p := v1.Spec.TargetCPUUtilizationPercentage; p == nil || *p != 70 {
		t.Errorf("targetCPUUtilizationPercentage %v", p)
	}
	if p := v1.Status.CurrentCPUUtilizationPercentage; p == nil || *p != 55 {
		t.Errorf("currentCPUUtilizationPercentage %v", p)
	}
	for _, k := range []string{MetricsAnnotation, CurrentMetricsAnnotation, ConditionsAnnotation, BehaviorAnnotation, "team"} {
		if _, ok := v1.Annotations[k]; !ok {
			t.Errorf("v1 object lacks annotation %s", k)
		}
	}
	// The behavior annotation is in upstream's form (Go field names).
	if got, want := v1.Annotations[BehaviorAnnotation], `{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Min","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":30}],"Tolerance":"50m"}}`; got != want {
		t.Errorf("behavior annotation\n got %s\nwant %s", got, want)
	}

	back, err := ToV2(v1)
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(back, in) {
		t.Errorf("round trip changed the object:\n got %+v\nwant %+v", back, in)
	}
}

func TestV1ToV2ToV1KeepsEverything(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	in := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"a": "b"}},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:                    ptr.To[int32](1),
			MaxReplicas:                    5,
			TargetCPUUtilizationPercentage: ptr.To[int32](50),
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{
			ObservedGeneration: ptr.To[int64](1), LastScaleTime: &at, CurrentReplicas: 2, DesiredReplicas: 3,
			CurrentCPUUtilizationPercentage: ptr.To[int32](45),
		},
	}
	v2, err := ToV2(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Spec.Metrics) != 1 || !isCPUUtilization(v2.Spec.Metrics[0]) || *v2.Spec.Metrics[0].Resource.Target.AverageUtilization != 50 {
		t.Errorf("v2 metrics %+v", v2.Spec.Metrics)
	}
	back, err := ToV1(v2)
	if err != nil {
		t.Fatal(err)
	}
	// Only the current metrics annotation is added: v2 keeps the CPU reading as a
	// metric, which v1 shows in its field and, with the raw value, in the annotation.
	delete(back.Annotations, CurrentMetricsAnnotation)
	if len(back.Annotations) == 0 {
		back.Annotations = nil
	}
	if !apiequality.Semantic.DeepEqual(back, in) {
		t.Errorf("round trip changed the object:\n got %+v\nwant %+v", back, in)
	}
	// And through v2 once more, the annotation changes nothing.
	again, err := ToV2(back)
	if err != nil || !apiequality.Semantic.DeepEqual(again, v2) {
		t.Errorf("second trip: %v\n got %+v\nwant %+v", err, again, v2)
	}
}

func TestV1WithoutTargetMeansDefaultCPU(t *testing.T) {
	v2, err := ToV2(&autoscalingv1.HorizontalPodAutoscaler{Spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Spec.Metrics) != 1 || *v2.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("metrics %+v", v2.Spec.Metrics)
	}
}

func TestBadAnnotationsAreIgnored(t *testing.T) {
	in := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		MetricsAnnotation: "{not json", BehaviorAnnotation: "[]", ConditionsAnnotation: "7", "keep": "me",
	}}, Spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 2, TargetCPUUtilizationPercentage: ptr.To[int32](20)}}
	v2, err := ToV2(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Spec.Metrics) != 1 || v2.Spec.Behavior != nil || v2.Status.Conditions != nil {
		t.Errorf("bad annotations were read: %+v", v2)
	}
	if len(v2.Annotations) != 1 || v2.Annotations["keep"] != "me" {
		t.Errorf("annotations %v", v2.Annotations)
	}
	// Upstream's behavior annotation, written by kube-apiserver, is read.
	in.Annotations = map[string]string{BehaviorAnnotation: `{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}]},"ScaleDown":null}`}
	v2, _ = ToV2(in)
	if b := v2.Spec.Behavior; b == nil || b.ScaleUp == nil || len(b.ScaleUp.Policies) != 1 || b.ScaleUp.Policies[0].Value != 4 || b.ScaleDown != nil {
		t.Errorf("behavior %+v", v2.Spec.Behavior)
	}
}

func resourceQ(s string) resource.Quantity { return resource.MustParse(s) }
