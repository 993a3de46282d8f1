package quantity

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's messages for out-of-range quantities.
const (
	negativeMsg    = "must be greater than or equal to 0"
	notPositiveMsg = "must be greater than zero"
	notIntegerMsg  = "must be an integer"
)

// NonNegative reports a quantity below zero.
func NonNegative(q resource.Quantity, path *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(path, q.String(), negativeMsg)}
	}
	return nil
}

// Positive reports a quantity that is zero or below.
func Positive(q resource.Quantity, path *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(path, q.String(), notPositiveMsg)}
	}
	return nil
}

// Value checks a quantity for the named resource: never negative, and whole for the
// resources that are counted (object counts and extended resources such as GPUs).
func Value(name corev1.ResourceName, q resource.Quantity, path *field.Path) field.ErrorList {
	errs := NonNegative(q, path)
	if isInteger(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(path, q, notIntegerMsg))
	}
	return errs
}

// isInteger tells the resources upstream accepts only in whole units: object counts
// and extended resources (domain-qualified names outside kubernetes.io).
func isInteger(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourcePods, corev1.ResourceServices, corev1.ResourceReplicationControllers,
		corev1.ResourceQuotas, corev1.ResourceSecrets, corev1.ResourceConfigMaps,
		corev1.ResourcePersistentVolumeClaims, corev1.ResourceServicesNodePorts,
		corev1.ResourceServicesLoadBalancers:
		return true
	}
	s := string(name)
	if strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return strings.Contains(s, "/") && !strings.Contains(s, "kubernetes.io/")
}
