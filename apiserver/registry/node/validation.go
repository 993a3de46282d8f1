package node

import (
	"context"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"

	"kite/apiserver/registry/quantity"
)

var effects = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}

// Validate checks a node as upstream: taints, resource quantities and pod CIDRs.
// (Upstream reports taints under metadata.taints; the path is kept for fidelity.)
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	n := obj.(*corev1.Node)
	errs := validateTaints(n.Spec.Taints, field.NewPath("metadata", "taints"))
	for k, v := range n.Status.Capacity {
		errs = append(errs, quantity.Value(k, v, field.NewPath("status", "capacity", string(k)))...)
	}
	for k, v := range n.Status.Allocatable {
		errs = append(errs, quantity.Value(k, v, field.NewPath("status", "allocatable", string(k)))...)
	}
	if len(n.Spec.PodCIDRs) > 0 {
		path := field.NewPath("spec", "podCIDRs")
		bad := false
		for i, c := range n.Spec.PodCIDRs {
			e := validation.IsValidCIDRForLegacyField(path.Index(i), c, true, nil)
			bad = bad || len(e) > 0
			errs = append(errs, e...)
		}
		if !bad && len(n.Spec.PodCIDRs) > 1 {
			dual, err := netutils.IsDualStackCIDRStrings(n.Spec.PodCIDRs)
			if err != nil || !dual || len(n.Spec.PodCIDRs) > 2 {
				errs = append(errs, field.Invalid(path, n.Spec.PodCIDRs, "may specify no more than one CIDR for each IP family"))
			}
		}
	}
	return errs
}

// ValidateUpdate adds upstream's update rules: pod CIDRs and the provider ID may be set
// once, never changed, and node addresses are unique.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*corev1.Node), old.(*corev1.Node)
	errs := s.Validate(ctx, obj)
	seen := map[corev1.NodeAddress]bool{}
	for i, a := range n.Status.Addresses {
		if seen[a] {
			errs = append(errs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		seen[a] = true
	}
	if len(o.Spec.PodCIDRs) > 0 && !slices.Equal(o.Spec.PodCIDRs, n.Spec.PodCIDRs) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "podCIDRs"), `node updates may not change podCIDR except from "" to valid`))
	}
	if o.Spec.ProviderID != "" && o.Spec.ProviderID != n.Spec.ProviderID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "providerID"), `node updates may not change providerID except from "" to valid`))
	}
	return errs
}

// validateTaints checks each taint's key, value and effect, and that no two share a
// key and effect.
func validateTaints(taints []corev1.Taint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	type keyEffect struct {
		key    string
		effect corev1.TaintEffect
	}
	seen := map[keyEffect]bool{}
	for i, t := range taints {
		p := path.Index(i)
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, p.Child("key"))...)
		if msgs := validation.IsValidLabelValue(t.Value); len(msgs) > 0 {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, strings.Join(msgs, ";")))
		}
		switch {
		case t.Effect == "":
			errs = append(errs, field.Required(p.Child("effect"), ""))
		case !slices.Contains(effects, t.Effect):
			errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, effects))
		}
		k := keyEffect{t.Key, t.Effect}
		if seen[k] {
			d := field.Duplicate(p, t)
			d.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, d)
			continue
		}
		seen[k] = true
	}
	return errs
}
