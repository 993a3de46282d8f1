package horizontalpodautoscaler

import (
	"encoding/json"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// The annotations that carry, on an autoscaling/v1 object, what only autoscaling/v2 can
// say; upstream's names, so that clients that know them (kubectl describe of old) read
// them as they do from kube-apiserver.
const (
	// MetricsAnnotation holds the spec's metrics other than a CPU utilization target,
	// as a JSON list of autoscaling/v1 MetricSpecs.
	MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
	// CurrentMetricsAnnotation holds every current metric of the status, as a JSON list
	// of autoscaling/v1 MetricStatuses.
	CurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	// ConditionsAnnotation holds the status's conditions.
	ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
	// BehaviorAnnotation holds spec.behavior, in the JSON of upstream's internal type
	// (Go field names: "ScaleUp", "StabilizationWindowSeconds", ...).
	BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"
	// The tolerance annotations of an older conversion; upstream drops them with the
	// others, so a stored object never carries them.
	scaleDownToleranceAnnotation = "autoscaling.alpha.kubernetes.io/scale-down-tolerance"
	scaleUpToleranceAnnotation   = "autoscaling.alpha.kubernetes.io/scale-up-tolerance"
)

// defaultCPUUtilization is the CPU target of an autoscaler that names no metric: v2's
// default, and what v1 has always meant by leaving targetCPUUtilizationPercentage out.
const defaultCPUUtilization int32 = 80

// ToV1 returns in as an autoscaling/v1 object; in is not changed.
func ToV1(in *autoscalingv2.HorizontalPodAutoscaler) (*autoscalingv1.HorizontalPodAutoscaler, error) {
	in = in.DeepCopy()
	out := &autoscalingv1.HorizontalPodAutoscaler{TypeMeta: in.TypeMeta, ObjectMeta: in.ObjectMeta}
	if !out.TypeMeta.GroupVersionKind().Empty() {
		out.APIVersion = autoscalingv1.SchemeGroupVersion.String()
	}
	out.Annotations = withoutRoundTrip(out.Annotations)
	out.Spec = autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    in.Spec.MinReplicas,
		MaxReplicas:    in.Spec.MaxReplicas,
	}
	var others []autoscalingv1.MetricSpec
	cpuTaken := false
	for _, m := range in.Spec.Metrics {
		if isCPUUtilization(m) {
			// The first CPU utilization target is v1's own field; any other would be
			// lost, so it goes with the rest into the annotation.
			if !cpuTaken {
				out.Spec.TargetCPUUtilizationPercentage = ptr.To(*m.Resource.Target.AverageUtilization)
				cpuTaken = true
				continue
			}
		}
		others = append(others, metricSpecToV1(m))
	}
	st := in.Status
	out.Status = autoscalingv1.HorizontalPodAutoscalerStatus{
		ObservedGeneration: st.ObservedGeneration,
		LastScaleTime:      st.LastScaleTime,
		CurrentReplicas:    st.CurrentReplicas,
		DesiredReplicas:    st.DesiredReplicas,
	}
	current := make([]autoscalingv1.MetricStatus, 0, len(st.CurrentMetrics))
	for _, m := range st.CurrentMetrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = ptr.To(*m.Resource.Current.AverageUtilization)
		}
		current = append(current, metricStatusToV1(m))
	}
	conditions := make([]autoscalingv1.HorizontalPodAutoscalerCondition, 0, len(st.Conditions))
	for _, c := range st.Conditions {
		conditions = append(conditions, autoscalingv1.HorizontalPodAutoscalerCondition{
			Type:               autoscalingv1.HorizontalPodAutoscalerConditionType(c.Type),
			Status:             c.Status,
			LastTransitionTime: c.LastTransitionTime,
			Reason:             c.Reason,
			Message:            c.Message,
			ObservedGeneration: c.ObservedGeneration,
		})
	}

	set := func(key string, value any, present bool) error {
		if !present {
			return nil
		}
		data, err := json.Marshal(value)
		if err != nil {
			return err
		}
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[key] = string(data)
		return nil
	}
	for _, a := range []struct {
		key     string
		value   any
		present bool
	}{
		{MetricsAnnotation, others, len(others) > 0},
		{CurrentMetricsAnnotation, current, len(current) > 0},
		{BehaviorAnnotation, behaviorToJSON(in.Spec.Behavior), in.Spec.Behavior != nil},
		{ConditionsAnnotation, conditions, len(conditions) > 0},
	} {
		if err := set(a.key, a.value, a.present); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ToV2 returns in as an autoscaling/v2 object, reading back what ToV1 put in
// annotations and dropping those annotations; in is not changed. Annotations that do
// not parse are ignored, as upstream ignores them. An object with no metric at all gets
// the CPU target v1 has always implied.
func ToV2(in *autoscalingv1.HorizontalPodAutoscaler) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	in = in.DeepCopy()
	out := &autoscalingv2.HorizontalPodAutoscaler{TypeMeta: in.TypeMeta, ObjectMeta: in.ObjectMeta}
	if !out.TypeMeta.GroupVersionKind().Empty() {
		out.APIVersion = autoscalingv2.SchemeGroupVersion.String()
	}
	ann := in.Annotations
	out.Annotations = withoutRoundTrip(ann)
	out.Spec = autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    in.Spec.MinReplicas,
		MaxReplicas:    in.Spec.MaxReplicas,
	}
	var cpu []autoscalingv2.MetricSpec
	if t := in.Spec.TargetCPUUtilizationPercentage; t != nil {
		cpu = []autoscalingv2.MetricSpec{cpuUtilization(*t)}
	}
	out.Spec.Metrics = cpu
	var others []autoscalingv1.MetricSpec
	if data, ok := ann[MetricsAnnotation]; ok && json.Unmarshal([]byte(data), &others) == nil {
		// Upstream's order: the annotation's metrics, then v1's CPU target.
		out.Spec.Metrics = nil
		for _, m := range others {
			out.Spec.Metrics = append(out.Spec.Metrics, metricSpecToV2(m))
		}
		out.Spec.Metrics = append(out.Spec.Metrics, cpu...)
	}
	var b behaviorJSON
	if data, ok := ann[BehaviorAnnotation]; ok && json.Unmarshal([]byte(data), &b) == nil && (b.ScaleUp != nil || b.ScaleDown != nil) {
		out.Spec.Behavior = b.toV2()
	}
	if len(out.Spec.Metrics) == 0 {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilization(defaultCPUUtilization)}
	}

	st := in.Status
	out.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: st.ObservedGeneration,
		LastScaleTime:      st.LastScaleTime,
		CurrentReplicas:    st.CurrentReplicas,
		DesiredReplicas:    st.DesiredReplicas,
	}
	if c := st.CurrentCPUUtilizationPercentage; c != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type:     autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To(*c)}},
		}}
	}
	var current []autoscalingv1.MetricStatus
	if data, ok := ann[CurrentMetricsAnnotation]; ok && json.Unmarshal([]byte(data), &current) == nil {
		// The annotation holds every current metric, with more than v1's field.
		out.Status.CurrentMetrics = nil
		for _, m := range current {
			out.Status.CurrentMetrics = append(out.Status.CurrentMetrics, metricStatusToV2(m))
		}
	}
	var conditions []autoscalingv1.HorizontalPodAutoscalerCondition
	if data, ok := ann[ConditionsAnnotation]; ok && json.Unmarshal([]byte(data), &conditions) == nil {
		for _, c := range conditions {
			out.Status.Conditions = append(out.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
				Type:               autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type),
				Status:             c.Status,
				LastTransitionTime: c.LastTransitionTime,
				Reason:             c.Reason,
				Message:            c.Message,
				ObservedGeneration: c.ObservedGeneration,
			})
		}
	}
	return out, nil
}

// roundTripAnnotations are the annotations conversion owns: set on v1 objects only,
// never stored.
var roundTripAnnotations = []string{
	MetricsAnnotation, CurrentMetricsAnnotation, ConditionsAnnotation, BehaviorAnnotation,
	scaleDownToleranceAnnotation, scaleUpToleranceAnnotation,
}

// withoutRoundTrip returns ann without the conversion's annotations (nil when nothing
// is left), sharing nothing with ann.
func withoutRoundTrip(ann map[string]string) map[string]string {
	var out map[string]string
	for k, v := range ann {
		if isRoundTrip(k) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

func isRoundTrip(key string) bool {
	for _, k := range roundTripAnnotations {
		if k == key {
			return true
		}
	}
	return false
}

func isCPUUtilization(m autoscalingv2.MetricSpec) bool {
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
		m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil
}

func cpuUtilization(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(percent)},
		},
	}
}

// behaviorJSON mirrors upstream's internal behavior type, whose JSON form (untagged, so
// Go's field names) is what the behavior annotation holds. Decoding is case-blind, so
// it reads the v2 form too.
type behaviorJSON struct {
	ScaleUp   *scalingRulesJSON
	ScaleDown *scalingRulesJSON
}

type scalingRulesJSON struct {
	StabilizationWindowSeconds *int32
	SelectPolicy               *autoscalingv2.ScalingPolicySelect
	Policies                   []scalingPolicyJSON
	Tolerance                  *resource.Quantity
}

type scalingPolicyJSON struct {
	Type          autoscalingv2.HPAScalingPolicyType
	Value         int32
	PeriodSeconds int32
}

func behaviorToJSON(b *autoscalingv2.HorizontalPodAutoscalerBehavior) *behaviorJSON {
	if b == nil {
		return nil
	}
	rules := func(r *autoscalingv2.HPAScalingRules) *scalingRulesJSON {
		if r == nil {
			return nil
		}
		out := &scalingRulesJSON{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: r.SelectPolicy, Tolerance: r.Tolerance}
		for _, p := range r.Policies {
			out.Policies = append(out.Policies, scalingPolicyJSON(p))
		}
		return out
	}
	return &behaviorJSON{ScaleUp: rules(b.ScaleUp), ScaleDown: rules(b.ScaleDown)}
}

func (b behaviorJSON) toV2() *autoscalingv2.HorizontalPodAutoscalerBehavior {
	rules := func(r *scalingRulesJSON) *autoscalingv2.HPAScalingRules {
		if r == nil {
			return nil
		}
		out := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: r.SelectPolicy, Tolerance: r.Tolerance}
		for _, p := range r.Policies {
			out.Policies = append(out.Policies, autoscalingv2.HPAScalingPolicy(p))
		}
		return out
	}
	return &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(b.ScaleUp), ScaleDown: rules(b.ScaleDown)}
}
