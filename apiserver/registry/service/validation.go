package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/endpointip"
)

// The node port range of Kite's allocator, as upstream's default.
const (
	// maxAffinitySeconds is the longest ClientIP affinity upstream allows (a day).
	maxAffinitySeconds = 86400
	nodePortMin        = 30000
	nodePortMax        = 32767
)

var (
	serviceTypes = []corev1.ServiceType{
		corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort,
	}
	protocols        = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	affinities       = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	trafficPolicies  = []corev1.ServiceExternalTrafficPolicy{corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal}
	internalPolicies = []corev1.ServiceInternalTrafficPolicy{corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal}
	families         = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
	familyPolicies   = []corev1.IPFamilyPolicy{corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}
)

// Validate checks a new service as upstream's validation does.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*corev1.Service), nil)
}

// ValidateUpdate adds upstream's update rules: cluster IPs may not change once set
// (unless the type goes to or from ExternalName).
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	errs := validateClusterIPsUpdate(svc, oldSvc)
	return append(errs, validate(svc, oldSvc)...)
}

func validate(svc, old *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	headless := isHeadless(svc)
	if len(svc.Spec.Ports) == 0 && !headless && svc.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("ports"), ""))
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if headless {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), svc.Spec.ClusterIPs[0],
				fmt.Sprintf("may not be set to 'None' for %s services", svc.Spec.Type)))
		}
	case corev1.ServiceTypeExternalName:
		if len(svc.Spec.ClusterIPs) > 0 {
			errs = append(errs, field.Forbidden(spec.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if len(svc.Spec.IPFamilies) > 0 {
			errs = append(errs, field.Forbidden(spec.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if svc.Spec.IPFamilyPolicy != nil {
			errs = append(errs, field.Forbidden(spec.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		if name := strings.TrimSuffix(svc.Spec.ExternalName, "."); name == "" {
			errs = append(errs, field.Required(spec.Child("externalName"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(name) {
				errs = append(errs, field.Invalid(spec.Child("externalName"), name, msg))
			}
		}
	}
	errs = append(errs, validatePorts(svc)...)
	if svc.Spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(svc.Spec.Selector, spec.Child("selector"))...)
	}
	errs = append(errs, validateAffinity(svc)...)
	errs = append(errs, validateClusterIPs(svc, old)...)
	var oldExternal []string
	if old != nil {
		oldExternal = old.Spec.ExternalIPs
	}
	for i, ip := range svc.Spec.ExternalIPs {
		path := spec.Child("externalIPs").Index(i)
		if e := validation.IsValidIPForLegacyField(path, ip, true, oldExternal); len(e) > 0 {
			errs = append(errs, e...)
		} else {
			errs = append(errs, endpointip.Validate(path, ip)...)
		}
	}
	if svc.Spec.Type == "" {
		errs = append(errs, field.Required(spec.Child("type"), ""))
	} else if !slices.Contains(serviceTypes, svc.Spec.Type) {
		errs = append(errs, field.NotSupported(spec.Child("type"), svc.Spec.Type, serviceTypes))
	}
	if svc.Spec.AllocateLoadBalancerNodePorts != nil && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(spec.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	if len(svc.Spec.LoadBalancerSourceRanges) > 0 && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(spec.Child("LoadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"))
	}
	errs = append(errs, validateTrafficPolicies(svc)...)
	if hc := svc.Spec.HealthCheckNodePort; hc != 0 {
		path := spec.Child("healthCheckNodePort")
		if !needsHealthCheck(svc) {
			errs = append(errs, field.Invalid(path, hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
		} else {
			for _, msg := range validation.IsValidPortNum(int(hc)) {
				errs = append(errs, field.Invalid(path, hc, msg))
			}
		}
	}
	return errs
}

func validatePorts(svc *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("spec", "ports")
	names := map[string]bool{}
	type key struct {
		proto corev1.Protocol
		port  int32
	}
	seenPorts, seenNodePorts := map[key]bool{}, map[key]bool{}
	for i, p := range svc.Spec.Ports {
		pp := path.Index(i)
		if len(svc.Spec.Ports) > 1 && p.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		} else if p.Name != "" {
			for _, msg := range validation.IsDNS1123Label(p.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), p.Name, msg))
			}
			if names[p.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
			}
			names[p.Name] = true
		}
		for _, msg := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
		if p.Protocol == "" {
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		} else if !slices.Contains(protocols, p.Protocol) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), p.Protocol, protocols))
		}
		errs = append(errs, validateTargetPort(p.TargetPort, pp.Child("targetPort"))...)
		if p.AppProtocol != nil {
			for _, msg := range validation.IsQualifiedName(*p.AppProtocol) {
				errs = append(errs, field.Invalid(pp.Child("appProtocol"), *p.AppProtocol, msg))
			}
		}
		if p.NodePort != 0 {
			if svc.Spec.Type == corev1.ServiceTypeClusterIP {
				errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			} else if p.NodePort < nodePortMin || p.NodePort > nodePortMax {
				// Upstream's allocator reports this, with these words.
				errs = append(errs, field.Invalid(pp.Child("nodePort"), p.NodePort,
					fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", nodePortMin, nodePortMax)))
			}
			k := key{p.Protocol, p.NodePort}
			if seenNodePorts[k] {
				errs = append(errs, field.Duplicate(pp.Child("nodePort"), p.NodePort))
			}
			seenNodePorts[k] = true
		}
		k := key{p.Protocol, p.Port}
		if seenPorts[k] {
			errs = append(errs, field.Duplicate(pp, corev1.ServicePort{Protocol: p.Protocol, Port: p.Port}))
		}
		seenPorts[k] = true
	}
	return errs
}

// validateTargetPort checks a port number or an IANA service name, as upstream.
func validateTargetPort(tp intstr.IntOrString, path *field.Path) field.ErrorList {
	if tp.Type == intstr.Int {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPortNum(tp.IntValue()) {
			errs = append(errs, field.Invalid(path, tp.IntValue(), msg))
		}
		return errs
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(tp.StrVal) {
		errs = append(errs, field.Invalid(path, tp.StrVal, msg))
	}
	return errs
}

func validateAffinity(svc *corev1.Service) field.ErrorList {
	path := field.NewPath("spec", "sessionAffinity")
	switch svc.Spec.SessionAffinity {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case corev1.ServiceAffinityNone:
		if svc.Spec.SessionAffinityConfig != nil {
			return field.ErrorList{field.Forbidden(field.NewPath("spec", "sessionAffinityConfig"), "must not be set when session affinity is None")}
		}
	case corev1.ServiceAffinityClientIP:
		c := svc.Spec.SessionAffinityConfig
		cp := field.NewPath("spec", "sessionAffinityConfig")
		if c == nil {
			return field.ErrorList{field.Required(cp, "when session affinity type is ClientIP")}
		}
		if c.ClientIP == nil {
			return field.ErrorList{field.Required(cp.Child("clientIP"), "when session affinity type is ClientIP")}
		}
		if t := c.ClientIP.TimeoutSeconds; t == nil {
			return field.ErrorList{field.Required(cp.Child("clientIP", "timeoutSeconds"), "when session affinity type is ClientIP")}
		} else if *t <= 0 || *t > maxAffinitySeconds {
			return field.ErrorList{field.Invalid(cp.Child("clientIP", "timeoutSeconds"), *t,
				fmt.Sprintf("must be greater than 0 and less than %d", maxAffinitySeconds))}
		}
	default:
		return field.ErrorList{field.NotSupported(path, svc.Spec.SessionAffinity, affinities)}
	}
	return nil
}

func validateClusterIPs(svc, old *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	var errs field.ErrorList
	spec := field.NewPath("spec")
	ipsPath := spec.Child("clusterIPs")
	if svc.Spec.ClusterIP != "" {
		if len(svc.Spec.ClusterIPs) == 0 {
			errs = append(errs, field.Required(ipsPath, ""))
		} else if svc.Spec.ClusterIPs[0] != svc.Spec.ClusterIP {
			errs = append(errs, field.Invalid(ipsPath, svc.Spec.ClusterIPs, "first value must match `clusterIP`"))
		}
	} else if len(svc.Spec.ClusterIPs) != 0 {
		errs = append(errs, field.Invalid(ipsPath, svc.Spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}
	seen := map[corev1.IPFamily]bool{}
	for i, f := range svc.Spec.IPFamilies {
		if !slices.Contains(families, f) {
			errs = append(errs, field.NotSupported(spec.Child("ipFamilies").Index(i), f, families))
		}
		if seen[f] {
			errs = append(errs, field.Duplicate(spec.Child("ipFamilies").Index(i), f))
		}
		seen[f] = true
	}
	if p := svc.Spec.IPFamilyPolicy; p != nil && !slices.Contains(familyPolicies, *p) {
		errs = append(errs, field.NotSupported(spec.Child("ipFamilyPolicy"), *p, familyPolicies))
	}
	var oldIPs []string
	if old != nil {
		oldIPs = old.Spec.ClusterIPs
	}
	for i, ip := range svc.Spec.ClusterIPs {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(svc.Spec.ClusterIPs) > 1 {
				errs = append(errs, field.Invalid(ipsPath, svc.Spec.ClusterIPs, "'None' must be the first and only value"))
			}
			continue
		}
		errs = append(errs, validation.IsValidIPForLegacyField(ipsPath.Index(i), ip, true, oldIPs)...)
	}
	if len(svc.Spec.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(ipsPath, svc.Spec.ClusterIPs, "may only hold up to 2 values"))
	}
	return errs
}

// validateClusterIPsUpdate keeps assigned cluster IPs, as upstream.
func validateClusterIPsUpdate(svc, old *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if isHeadless(svc) && isHeadless(old) {
		return nil
	}
	path := field.NewPath("spec", "clusterIPs")
	var errs field.ErrorList
	switch oldIPs, ips := old.Spec.ClusterIPs, svc.Spec.ClusterIPs; {
	case len(oldIPs) == len(ips):
		for i := range oldIPs {
			if oldIPs[i] != ips[i] {
				errs = append(errs, field.Invalid(path.Index(i), ips, "may not change once set"))
			}
		}
	case len(oldIPs) > len(ips):
		if len(ips) == 0 {
			errs = append(errs, field.Invalid(path.Index(0), ips, "primary clusterIP can not be unset"))
		} else if ips[0] != oldIPs[0] {
			errs = append(errs, field.Invalid(path.Index(0), ips, "may not change once set"))
		}
	default:
		if len(oldIPs) > 0 && ips[0] != oldIPs[0] {
			errs = append(errs, field.Invalid(path.Index(0), ips, "may not change once set"))
		}
	}
	return errs
}

func validateTrafficPolicies(svc *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if !externallyAccessible(svc) {
		if svc.Spec.ExternalTrafficPolicy != "" {
			errs = append(errs, field.Invalid(spec.Child("externalTrafficPolicy"), svc.Spec.ExternalTrafficPolicy,
				"may only be set for externally-accessible services"))
		}
	} else if svc.Spec.ExternalTrafficPolicy == "" {
		errs = append(errs, field.Required(spec.Child("externalTrafficPolicy"), ""))
	} else if !slices.Contains(trafficPolicies, svc.Spec.ExternalTrafficPolicy) {
		errs = append(errs, field.NotSupported(spec.Child("externalTrafficPolicy"), svc.Spec.ExternalTrafficPolicy, trafficPolicies))
	}
	p := svc.Spec.InternalTrafficPolicy
	if p == nil && svc.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("internalTrafficPolicy"), ""))
	}
	if p != nil && !slices.Contains(internalPolicies, *p) {
		errs = append(errs, field.NotSupported(spec.Child("internalTrafficPolicy"), *p, internalPolicies))
	}
	return errs
}

func isHeadless(svc *corev1.Service) bool {
	return len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
}

// validIP checks an IP address as upstream's strict legacy check does.
func validIP(path *field.Path, ip string) field.ErrorList {
	return validation.IsValidIPForLegacyField(path, ip, true, nil)
}
