package horizontalpodautoscaler

import (
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// shownMetrics is how many metrics the TARGETS cell lists before "+ N more...".
const shownMetrics = 2

// TableColumns are upstream's `kubectl get hpa` columns, the same in both versions.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Reference", Type: "string", Description: spec["scaleTargetRef"]},
		{Name: "Targets", Type: "string", Description: spec["metrics"]},
		{Name: "MinPods", Type: "string", Description: spec["minReplicas"]},
		{Name: "MaxPods", Type: "string", Description: spec["maxReplicas"]},
		{Name: "Replicas", Type: "string", Description: autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the cells of one autoscaler: its target as kind/name, each metric
// as current/target, the replica bounds, the current count and the age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("horizontalpodautoscaler: cannot print a %T", obj)
	}
	return row(h, s.now()), nil
}

// TableColumns are the v2 columns.
func (V1Strategy) TableColumns() []metav1.TableColumnDefinition { return Strategy{}.TableColumns() }

// TableRow prints a v1 object as its stored form prints, so both versions show the
// same row.
func (s V1Strategy) TableRow(obj runtime.Object) ([]any, error) {
	h1, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("horizontalpodautoscaler: cannot print a %T", obj)
	}
	h, err := ToV2(h1)
	if err != nil {
		return nil, err
	}
	return row(h, Strategy(s).now()), nil
}

func row(h *autoscalingv2.HorizontalPodAutoscaler, now time.Time) []any {
	minPods := "<unset>"
	if h.Spec.MinReplicas != nil {
		minPods = fmt.Sprint(*h.Spec.MinReplicas)
	}
	return []any{
		h.Name,
		h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name,
		targets(h.Spec.Metrics, h.Status.CurrentMetrics),
		minPods,
		int64(h.Spec.MaxReplicas),
		int64(h.Status.CurrentReplicas),
		registry.Age(h.CreationTimestamp.Time, now),
	}
}

// targets is the TARGETS cell: each metric as "current/target" (resources prefixed
// with their name, averages over objects marked "(avg)"), the current value read from
// the status at the same index, "<unknown>" until the controller reports one.
func targets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	var cells []string
	for i, spec := range specs {
		var st *autoscalingv2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		cells = append(cells, metricCell(spec, st))
	}
	if len(cells) > shownMetrics {
		return fmt.Sprintf("%s + %d more...", strings.Join(cells[:shownMetrics], ", "), len(cells)-shownMetrics)
	}
	return strings.Join(cells, ", ")
}

func metricCell(spec autoscalingv2.MetricSpec, st *autoscalingv2.MetricStatus) string {
	const unknown = "<unknown>"
	current := unknown
	// A metric whose source is missing cannot pass validation; it prints as unknown
	// rather than failing the whole table.
	if (spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External == nil) ||
		(spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods == nil) ||
		(spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object == nil) ||
		(spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource == nil) ||
		(spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource == nil) {
		return "<unknown type>"
	}
	switch spec.Type {
	case autoscalingv2.ExternalMetricSourceType:
		t := spec.External.Target
		if t.AverageValue != nil {
			if st != nil && st.External != nil && st.External.Current.AverageValue != nil {
				current = st.External.Current.AverageValue.String()
			}
			return fmt.Sprintf("%s/%s (avg)", current, t.AverageValue.String())
		}
		if st != nil && st.External != nil {
			current = st.External.Current.Value.String()
		}
		return fmt.Sprintf("%s/%s", current, t.Value.String())
	case autoscalingv2.PodsMetricSourceType:
		if st != nil && st.Pods != nil {
			current = st.Pods.Current.AverageValue.String()
		}
		return fmt.Sprintf("%s/%s", current, spec.Pods.Target.AverageValue.String())
	case autoscalingv2.ObjectMetricSourceType:
		t := spec.Object.Target
		if t.AverageValue != nil {
			if st != nil && st.Object != nil && st.Object.Current.AverageValue != nil {
				current = st.Object.Current.AverageValue.String()
			}
			return fmt.Sprintf("%s/%s (avg)", current, t.AverageValue.String())
		}
		if st != nil && st.Object != nil {
			current = st.Object.Current.Value.String()
		}
		return fmt.Sprintf("%s/%s", current, t.Value.String())
	case autoscalingv2.ResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.Resource != nil {
			cur = &st.Resource.Current
		}
		return resourceCell(string(spec.Resource.Name), spec.Resource.Target, cur)
	case autoscalingv2.ContainerResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return resourceCell(string(spec.ContainerResource.Name), spec.ContainerResource.Target, cur)
	}
	return "<unknown type>"
}

// resourceCell is "name: current/target" for an average value, or with percentages for
// a utilization ("<auto>" when no target is set).
func resourceCell(name string, t autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if t.AverageValue != nil {
		if cur != nil {
			current = cur.AverageValue.String()
		}
		return fmt.Sprintf("%s: %s/%s", name, current, t.AverageValue.String())
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
	}
	target := "<auto>"
	if t.AverageUtilization != nil {
		target = fmt.Sprintf("%d%%", *t.AverageUtilization)
	}
	return fmt.Sprintf("%s: %s/%s", name, current, target)
}
