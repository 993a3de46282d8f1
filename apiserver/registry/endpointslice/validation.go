package endpointslice

import (
	"context"
	"net"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/endpointip"
)

// Upstream's limits on a slice.
const (
	maxEndpoints = 1000
	maxAddresses = 100
	maxPorts     = 20000
)

var (
	addressTypes = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	protocols    = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
)

// Validate checks a new slice.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*discoveryv1.EndpointSlice), nil)
}

// ValidateUpdate also keeps addressType. Endpoints left unchanged are not re-checked,
// as upstream, so a slice stored under older rules can still be relabelled.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	eps, o := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	errs := validate(eps, o)
	return append(errs, apivalidation.ValidateImmutableField(eps.AddressType, o.AddressType, field.NewPath("addressType"))...)
}

func validate(eps, old *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	typePath := field.NewPath("addressType")
	if eps.AddressType == "" {
		errs = append(errs, field.Required(typePath, ""))
	} else if !slices.Contains(addressTypes, string(eps.AddressType)) {
		errs = append(errs, field.NotSupported(typePath, eps.AddressType, addressTypes))
	}
	errs = append(errs, validatePorts(eps.Ports, field.NewPath("ports"))...)
	epErrs := validateEndpoints(eps.Endpoints, eps.AddressType, field.NewPath("endpoints"))
	if len(epErrs) > 0 && old != nil && apiequality.Semantic.DeepEqual(old.Endpoints, eps.Endpoints) {
		epErrs = nil
	}
	return append(errs, epErrs...)
}

func validateEndpoints(endpoints []discoveryv1.Endpoint, t discoveryv1.AddressType, path *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(path, len(endpoints), maxEndpoints)}
	}
	var errs field.ErrorList
	for i, ep := range endpoints {
		p := path.Index(i)
		addrPath := p.Child("addresses")
		if len(ep.Addresses) == 0 {
			errs = append(errs, field.Required(addrPath, "must contain at least 1 address"))
		} else if len(ep.Addresses) > maxAddresses {
			errs = append(errs, field.TooMany(addrPath, len(ep.Addresses), maxAddresses))
		}
		for j, a := range ep.Addresses {
			errs = append(errs, validateAddress(a, t, addrPath, addrPath.Index(j))...)
		}
		if ep.NodeName != nil {
			for _, msg := range validation.IsDNS1123Subdomain(*ep.NodeName) {
				errs = append(errs, field.Invalid(p.Child("nodeName"), *ep.NodeName, msg))
			}
		}
		if ep.Hostname != nil {
			for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
				errs = append(errs, field.Invalid(p.Child("hostname"), *ep.Hostname, msg))
			}
		}
	}
	return errs
}

// validateAddress checks one address against the slice's type. The family mismatch is
// reported on the list path, as upstream does.
func validateAddress(a string, t discoveryv1.AddressType, listPath, path *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		ip := net.ParseIP(a)
		if ip == nil {
			return field.ErrorList{field.Invalid(path, a, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}
		}
		var errs field.ErrorList
		if is4 := ip.To4() != nil; is4 != (t == discoveryv1.AddressTypeIPv4) {
			errs = append(errs, field.Invalid(listPath, a, "must be an "+string(t)+" address"))
		}
		return append(errs, endpointip.Validate(path, a)...)
	case discoveryv1.AddressTypeFQDN:
		var errs field.ErrorList
		for _, msg := range validation.IsDNS1123Subdomain(a) {
			errs = append(errs, field.Invalid(path, a, msg))
		}
		return errs
	}
	return nil
}

func validatePorts(ports []discoveryv1.EndpointPort, path *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(path, len(ports), maxPorts)}
	}
	var errs field.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		p := path.Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				errs = append(errs, field.Invalid(p.Child("name"), name, msg))
			}
		}
		if names[name] {
			errs = append(errs, field.Duplicate(p.Child("name"), name))
		}
		names[name] = true
		if port.Protocol == nil {
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		} else if !slices.Contains(protocols, string(*port.Protocol)) {
			errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, protocols))
		}
		if ap := port.AppProtocol; ap != nil {
			for _, msg := range validation.IsQualifiedName(*ap) {
				errs = append(errs, field.Invalid(p.Child("appProtocol"), *ap, msg))
			}
		}
	}
	return errs
}
