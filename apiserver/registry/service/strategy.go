package service

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
)

// Strategy is the service rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status (load balancer ingress is reported by a controller)
// and sets the IP family fields.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	svc := obj.(*corev1.Service)
	svc.Status = corev1.ServiceStatus{}
	initFamilies(svc, nil)
}

// PrepareForUpdate keeps status, and, as upstream, drops the cluster IPs and node
// ports a type change no longer uses when the client left them as they were (so
// turning a ClusterIP service into ExternalName needs no manual clearing).
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	svc.Status = oldSvc.Status
	dropTypeDependent(svc, oldSvc)
	initFamilies(svc, oldSvc)
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Service).Spec = old.(*corev1.Service).Spec
}

// Fields are upstream's service field selectors.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	svc := obj.(*corev1.Service)
	return fields.Set{
		"metadata.name":      svc.Name,
		"metadata.namespace": svc.Namespace,
		"spec.clusterIP":     svc.Spec.ClusterIP,
		"spec.type":          string(svc.Spec.Type),
	}
}

// dropTypeDependent clears what the new type does not use, if unchanged from old.
func dropTypeDependent(svc, old *corev1.Service) {
	if needsClusterIP(old) && !needsClusterIP(svc) {
		if svc.Spec.ClusterIP == old.Spec.ClusterIP && equalStrings(svc.Spec.ClusterIPs, old.Spec.ClusterIPs) {
			svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
		}
		if equalFamilies(svc.Spec.IPFamilies, old.Spec.IPFamilies) {
			svc.Spec.IPFamilies = nil
		}
		if ptrEqual(svc.Spec.IPFamilyPolicy, old.Spec.IPFamilyPolicy) {
			svc.Spec.IPFamilyPolicy = nil
		}
	}
	if needsNodePort(old) && !needsNodePort(svc) && sameNodePorts(svc, old) {
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
	}
	if old.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.Type != corev1.ServiceTypeLoadBalancer &&
		ptrEqual(svc.Spec.AllocateLoadBalancerNodePorts, old.Spec.AllocateLoadBalancerNodePorts) {
		svc.Spec.AllocateLoadBalancerNodePorts = nil
	}
	if needsHealthCheck(old) && !needsHealthCheck(svc) && svc.Spec.HealthCheckNodePort == old.Spec.HealthCheckNodePort {
		svc.Spec.HealthCheckNodePort = 0
	}
	if !externallyAccessible(svc) && svc.Spec.ExternalTrafficPolicy == old.Spec.ExternalTrafficPolicy {
		svc.Spec.ExternalTrafficPolicy = ""
	}
}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName
}

func needsNodePort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// needsHealthCheck reports whether svc gets a health check node port: a LoadBalancer
// that keeps external traffic on the node it arrives at.
func needsHealthCheck(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// externallyAccessible is upstream's test for services that take external traffic.
func externallyAccessible(svc *corev1.Service) bool {
	return needsNodePort(svc) || (svc.Spec.Type == corev1.ServiceTypeClusterIP && len(svc.Spec.ExternalIPs) > 0)
}

func sameNodePorts(a, b *corev1.Service) bool {
	for _, p := range a.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		found := false
		for _, q := range b.Spec.Ports {
			if q.NodePort == p.NodePort {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFamilies(a, b []corev1.IPFamily) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// status validation: upstream checks load balancer ingress IPs.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	svc := obj.(*corev1.Service)
	var errs field.ErrorList
	path := field.NewPath("status", "loadBalancer", "ingress")
	for i, ing := range svc.Status.LoadBalancer.Ingress {
		if ing.IP != "" {
			errs = append(errs, validIP(path.Index(i).Child("ip"), ing.IP)...)
		}
	}
	return errs
}
