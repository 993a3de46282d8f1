package horizontalpodautoscaler

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's bounds on behavior rules.
const (
	maxPeriodSeconds              = 1800
	maxStabilizationWindowSeconds = 3600
)

var (
	metricSourceTypes = []string{"ContainerResource", "External", "Object", "Pods", "Resource"}
	selectPolicies    = []string{"Disabled", "Max", "Min"}
	policyTypes       = []string{"Percent", "Pods"}
)

// refRules say which apiVersions a cross-version reference may have.
type refRules struct {
	// emptyGroupOK: a core-group apiVersion ("v1") is fine.
	emptyGroupOK bool
	// anyVersionOK: the apiVersion is not checked at all (the old object had it).
	anyVersionOK bool
}

// validate checks h's spec with upstream's field paths and messages; old is the
// object being updated, or nil on create: what it already had is tolerated.
func validate(h, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	spec := &h.Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	// Scaling to zero (HPAScaleToZero) is on by default in 1.37.
	if spec.MinReplicas != nil && *spec.MinReplicas < 0 {
		errs = append(errs, field.Invalid(path.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 0"))
	}
	switch {
	case spec.MaxReplicas == 0:
		errs = append(errs, field.Required(path.Child("maxReplicas"), "must be set and greater than 0"))
	case spec.MaxReplicas < 0:
		errs = append(errs, field.Invalid(path.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to 1"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(path.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}

	target := refRules{emptyGroupOK: spec.ScaleTargetRef.Kind == "ReplicationController"}
	if old != nil && old.Spec.ScaleTargetRef.APIVersion == spec.ScaleTargetRef.APIVersion && old.Spec.ScaleTargetRef.Kind == spec.ScaleTargetRef.Kind {
		target.anyVersionOK = true
	}
	errs = append(errs, validateRef(spec.ScaleTargetRef, path.Child("scaleTargetRef"), target)...)

	objects := refRules{emptyGroupOK: true}
	if old != nil {
		for _, m := range old.Spec.Metrics {
			if m.Type == autoscalingv2.ObjectMetricSourceType && m.Object != nil && checkAPIVersion(m.Object.DescribedObject.APIVersion, objects) != nil {
				objects.anyVersionOK = true
				break
			}
		}
	}
	errs = append(errs, validateMetrics(spec.Metrics, spec.MinReplicas, path.Child("metrics"), objects)...)
	if b := spec.Behavior; b != nil {
		errs = append(errs, validateRules(b.ScaleUp, path.Child("behavior", "scaleUp"))...)
		errs = append(errs, validateRules(b.ScaleDown, path.Child("behavior", "scaleDown"))...)
	}
	return errs
}

// validateStatus checks the counts a controller reports.
func validateStatus(st *autoscalingv2.HorizontalPodAutoscalerStatus) field.ErrorList {
	path := field.NewPath("status")
	var errs field.ErrorList
	for i, c := range st.Conditions {
		if c.ObservedGeneration != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(*c.ObservedGeneration, path.Child("conditions").Index(i).Child("observedGeneration"))...)
		}
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(st.CurrentReplicas), path.Child("currentReplicas"))...)
	return append(errs, apivalidation.ValidateNonnegativeField(int64(st.DesiredReplicas), path.Child("desiredReplicas"))...)
}

func validateRef(ref autoscalingv2.CrossVersionObjectReference, path *field.Path, rules refRules) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct{ name, value string }{{"kind", ref.Kind}, {"name", ref.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(path.Child(f.name), ""))
			continue
		}
		for _, msg := range content.IsPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(path.Child(f.name), f.value, msg))
		}
	}
	if err := checkAPIVersion(ref.APIVersion, rules); err != nil {
		errs = append(errs, field.Invalid(path.Child("apiVersion"), ref.APIVersion, err.Error()))
	}
	return errs
}

func checkAPIVersion(apiVersion string, rules refRules) error {
	if rules.anyVersionOK {
		return nil
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return err
	}
	if gv.Group == "" && !rules.emptyGroupOK {
		return errors.New("apiVersion must specify API group")
	}
	return nil
}

func validateMetrics(metrics []autoscalingv2.MetricSpec, minReplicas *int32, path *field.Path, objects refRules) field.ErrorList {
	var errs field.ErrorList
	scalesFromZero := false
	for i, m := range metrics {
		errs = append(errs, validateMetric(m, path.Index(i), objects)...)
		if m.Type == autoscalingv2.ObjectMetricSourceType || m.Type == autoscalingv2.ExternalMetricSourceType {
			scalesFromZero = true
		}
	}
	if minReplicas != nil && *minReplicas == 0 && !scalesFromZero {
		errs = append(errs, field.Forbidden(path, "must specify at least one Object or External metric to support scaling to zero replicas"))
	}
	return errs
}

// validateMetric checks one metric: a known type, its own source filled in and valid,
// and no other source.
func validateMetric(m autoscalingv2.MetricSpec, path *field.Path, objects refRules) field.ErrorList {
	var errs field.ErrorList
	if m.Type == "" {
		errs = append(errs, field.Required(path.Child("type"), "must specify a metric source type"))
	}
	if !oneOf(string(m.Type), metricSourceTypes) {
		errs = append(errs, field.NotSupported(path.Child("type"), m.Type, metricSourceTypes))
	}

	// The sources that are set, in upstream's order; only the first is validated.
	type source struct {
		name  string
		check func() field.ErrorList
	}
	var present []source
	if m.Object != nil {
		present = append(present, source{"object", func() field.ErrorList { return validateObject(m.Object, path.Child("object"), objects) }})
	}
	if m.External != nil {
		present = append(present, source{"external", func() field.ErrorList { return validateExternal(m.External, path.Child("external")) }})
	}
	if m.Pods != nil {
		present = append(present, source{"pods", func() field.ErrorList { return validatePods(m.Pods, path.Child("pods")) }})
	}
	if m.Resource != nil {
		present = append(present, source{"resource", func() field.ErrorList { return validateResource(m.Resource, path.Child("resource")) }})
	}
	if m.ContainerResource != nil {
		present = append(present, source{"containerResource", func() field.ErrorList {
			return validateContainerResource(m.ContainerResource, path.Child("containerResource"))
		}})
	}
	if len(present) > 0 {
		errs = append(errs, present[0].check()...)
	}

	expected := map[autoscalingv2.MetricSourceType]string{
		autoscalingv2.ObjectMetricSourceType:            "object",
		autoscalingv2.PodsMetricSourceType:              "pods",
		autoscalingv2.ResourceMetricSourceType:          "resource",
		autoscalingv2.ExternalMetricSourceType:          "external",
		autoscalingv2.ContainerResourceMetricSourceType: "containerResource",
	}[m.Type]
	if expected == "" {
		errs = append(errs, field.NotSupported(path.Child("type"), m.Type, metricSourceTypes))
	} else {
		found := false
		for _, s := range present {
			found = found || s.name == expected
		}
		if !found {
			errs = append(errs, field.Required(path.Child(expected), "must populate information for the given metric source"))
		}
	}
	if len(present) != 1 {
		for _, s := range present {
			if s.name != expected {
				errs = append(errs, field.Forbidden(path.Child(s.name), "must populate the given metric source only"))
			}
		}
	}
	return errs
}

func validateObject(src *autoscalingv2.ObjectMetricSource, path *field.Path, objects refRules) field.ErrorList {
	errs := validateRef(src.DescribedObject, path.Child("describedObject"), objects)
	errs = append(errs, validateMetricName(src.Metric, path.Child("metric"))...)
	errs = append(errs, validateTarget(src.Target, path.Child("target"))...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(path.Child("target", "averageValue"), "must set either a target value or averageValue"))
	}
	return errs
}

func validateExternal(src *autoscalingv2.ExternalMetricSource, path *field.Path) field.ErrorList {
	errs := validateMetricName(src.Metric, path.Child("metric"))
	errs = append(errs, validateTarget(src.Target, path.Child("target"))...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(path.Child("target", "averageValue"), "must set either a target value for metric or a per-pod target"))
	}
	if src.Target.Value != nil && src.Target.AverageValue != nil {
		errs = append(errs, field.Forbidden(path.Child("target", "value"), "may not set both a target value for metric and a per-pod target"))
	}
	return errs
}

func validatePods(src *autoscalingv2.PodsMetricSource, path *field.Path) field.ErrorList {
	errs := validateMetricName(src.Metric, path.Child("metric"))
	errs = append(errs, validateTarget(src.Target, path.Child("target"))...)
	if src.Target.AverageValue == nil {
		errs = append(errs, field.Required(path.Child("target", "averageValue"), "must specify a positive target averageValue"))
	}
	return errs
}

func validateResource(src *autoscalingv2.ResourceMetricSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if src.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "must specify a resource name"))
	}
	return append(errs, validateAverageTarget(src.Target, path.Child("target"))...)
}

func validateContainerResource(src *autoscalingv2.ContainerResourceMetricSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if src.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "must specify a resource name"))
	} else {
		errs = append(errs, validateContainerResourceName(src.Name, path.Child("name"))...)
	}
	if src.Container == "" {
		errs = append(errs, field.Required(path.Child("container"), "must specify a container"))
	} else {
		for _, msg := range validation.IsDNS1123Label(src.Container) {
			errs = append(errs, field.Invalid(path.Child("container"), src.Container, msg))
		}
	}
	return append(errs, validateAverageTarget(src.Target, path.Child("target"))...)
}

// validateContainerResourceName accepts what a container may request: without a
// domain only cpu, memory, ephemeral-storage and huge pages; with one, any qualified
// name.
func validateContainerResourceName(name corev1.ResourceName, path *field.Path) field.ErrorList {
	n := string(name)
	standard := name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage ||
		strings.HasPrefix(n, corev1.ResourceHugePagesPrefix)
	if !strings.Contains(n, "/") && !standard {
		return field.ErrorList{field.Invalid(path, n, "must be a standard resource for containers")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(n) {
		errs = append(errs, field.Invalid(path, n, msg))
	}
	return errs
}

// validateAverageTarget checks a resource target: a utilization or an average value,
// exactly one.
func validateAverageTarget(t autoscalingv2.MetricTarget, path *field.Path) field.ErrorList {
	errs := validateTarget(t, path)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, field.Required(path.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, field.Forbidden(path.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

func validateTarget(t autoscalingv2.MetricTarget, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Type == "" {
		errs = append(errs, field.Required(path.Child("type"), "must specify a metric target type"))
	}
	if t.Type != autoscalingv2.UtilizationMetricType && t.Type != autoscalingv2.ValueMetricType && t.Type != autoscalingv2.AverageValueMetricType {
		errs = append(errs, field.Invalid(path.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(path.Child("value"), t.Value, "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(path.Child("averageValue"), t.AverageValue, "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(path.Child("averageUtilization"), t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

func validateMetricName(id autoscalingv2.MetricIdentifier, path *field.Path) field.ErrorList {
	if id.Name == "" {
		return field.ErrorList{field.Required(path.Child("name"), "must specify a metric name")}
	}
	var errs field.ErrorList
	for _, msg := range content.IsPathSegmentName(id.Name) {
		errs = append(errs, field.Invalid(path.Child("name"), id.Name, msg))
	}
	return errs
}

func validateRules(r *autoscalingv2.HPAScalingRules, path *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		if *w < 0 {
			errs = append(errs, field.Invalid(path.Child("stabilizationWindowSeconds"), w, "must be greater than or equal to zero"))
		}
		if *w > maxStabilizationWindowSeconds {
			errs = append(errs, field.Invalid(path.Child("stabilizationWindowSeconds"), w, fmt.Sprintf("must be less than or equal to %d", maxStabilizationWindowSeconds)))
		}
	}
	if p := r.SelectPolicy; p != nil && !oneOf(string(*p), selectPolicies) {
		errs = append(errs, field.NotSupported(path.Child("selectPolicy"), p, selectPolicies))
	}
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(path.Child("policies"), "must specify at least one Policy"))
	}
	for i, p := range r.Policies {
		pp := path.Child("policies").Index(i)
		if !oneOf(string(p.Type), policyTypes) {
			errs = append(errs, field.NotSupported(pp.Child("type"), p.Type, policyTypes))
		}
		if p.Value <= 0 {
			errs = append(errs, field.Invalid(pp.Child("value"), p.Value, "must be greater than zero"))
		}
		if p.PeriodSeconds <= 0 {
			errs = append(errs, field.Invalid(pp.Child("periodSeconds"), p.PeriodSeconds, "must be greater than zero"))
		}
		if p.PeriodSeconds > maxPeriodSeconds {
			errs = append(errs, field.Invalid(pp.Child("periodSeconds"), p.PeriodSeconds, fmt.Sprintf("must be less than or equal to %d", maxPeriodSeconds)))
		}
	}
	if t := r.Tolerance; t != nil && t.Cmp(resource.Quantity{}) < 0 {
		errs = append(errs, field.Invalid(path.Child("tolerance"), t.String(), "must be greater than or equal to 0"))
	}
	return errs
}

func oneOf(v string, list []string) bool { return slices.Contains(list, v) }
