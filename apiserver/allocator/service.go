package allocator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var serviceKind = schema.GroupKind{Kind: "Service"}

// ServiceHook is the services Store's registry.WriteHook: on create it claims the
// cluster IP (the requested one, else a free one) and node ports the Service needs and
// fills them in; on update it claims what a type change or a new port needs and, once
// the update is stored, releases what the old version held and the new one does not;
// on delete it releases everything once the Service is gone. Refusals are 422 Invalid
// with upstream's field paths and words ("provided IP is already allocated").
func (a *Allocator) ServiceHook(ctx context.Context, obj, old runtime.Object, dryRun bool) (func(bool), error) {
	t := &txn{a: a, ctx: context.WithoutCancel(ctx), dryRun: dryRun}
	var err error
	switch {
	case obj == nil:
		oldSvc := old.(*corev1.Service)
		t.owner = owner{oldSvc.Namespace, oldSvc.Name}
		t.laterIPs, t.laterPorts = clusterIPs(oldSvc), nodePorts(oldSvc)
		return t.done, nil
	case old == nil:
		svc := obj.(*corev1.Service)
		t.owner = owner{svc.Namespace, svc.Name}
		err = a.create(ctx, t, svc)
	default:
		svc := obj.(*corev1.Service)
		t.owner = owner{svc.Namespace, svc.Name}
		err = a.update(ctx, t, svc, old.(*corev1.Service))
	}
	if err != nil {
		t.done(false)
		return nil, err
	}
	return t.done, nil
}

// txn is what one Service write claimed (to undo when the write fails) and what it
// gives up once the write is stored.
type txn struct {
	a      *Allocator
	ctx    context.Context // the request's, without its cancellation: releases must run
	owner  owner
	dryRun bool
	// claimed by this write; released if it fails.
	ips   []string
	ports []int
	// held by the old version only; released once the write is stored.
	laterIPs   []string
	laterPorts []int
}

func (t *txn) done(stored bool) {
	if t.dryRun {
		return
	}
	ips, ports := t.ips, t.ports
	if stored {
		ips, ports = t.laterIPs, t.laterPorts
	}
	for _, ip := range ips {
		if err := t.a.releaseIP(t.ctx, ip, t.owner); err != nil {
			t.a.logger.Error("releasing a cluster IP failed; Repair will at the next start", "service", t.owner.String(), "ip", ip, "err", err)
		}
	}
	for _, p := range ports {
		if err := t.a.releasePort(t.ctx, p, t.owner); err != nil {
			t.a.logger.Error("releasing a node port failed; Repair will at the next start", "service", t.owner.String(), "port", p, "err", err)
		}
	}
}

func (t *txn) claimPort(ctx context.Context, p int) error {
	owned, err := t.a.claimPort(ctx, p, t.owner, t.dryRun)
	if owned {
		t.ports = append(t.ports, p)
	}
	return err
}

func (t *txn) nextPort(ctx context.Context) (int, error) {
	p, err := t.a.nextPort(ctx, t.owner, t.dryRun)
	if err == nil && !t.dryRun {
		t.ports = append(t.ports, p)
	}
	return p, err
}

func (a *Allocator) create(ctx context.Context, t *txn, svc *corev1.Service) error {
	if err := a.checkFamilies(svc); err != nil {
		return err
	}
	if needsClusterIP(svc) {
		if err := a.allocClusterIP(ctx, t, svc); err != nil {
			return err
		}
	}
	if needsNodePorts(svc) {
		if err := initNodePorts(ctx, t, svc); err != nil {
			return err
		}
	}
	if needsHealthCheck(svc) {
		return allocHealthCheckPort(ctx, t, svc)
	}
	return nil
}

func (a *Allocator) update(ctx context.Context, t *txn, svc, old *corev1.Service) error {
	if err := a.checkFamilies(svc); err != nil {
		return err
	}
	// Cluster IPs are immutable (validation), so only a change to or from ExternalName
	// (or from headless, which validation refuses) moves them.
	switch {
	case !needsClusterIP(old) && needsClusterIP(svc):
		if err := a.allocClusterIP(ctx, t, svc); err != nil {
			return err
		}
	case needsClusterIP(old) && !needsClusterIP(svc):
		t.laterIPs = clusterIPs(old)
	}

	oldPorts := portNumbers(old)
	if needsNodePorts(svc) {
		if err := updateNodePorts(ctx, t, svc, oldPorts); err != nil {
			return err
		}
	}
	newPorts := portNumbers(svc)
	for _, p := range oldPorts {
		if !slices.Contains(newPorts, p) {
			t.laterPorts = append(t.laterPorts, p)
		}
	}

	hcPath := field.NewPath("spec", "healthCheckNodePort")
	switch was, is := needsHealthCheck(old), needsHealthCheck(svc); {
	case !was && is:
		return allocHealthCheckPort(ctx, t, svc)
	case was && !is:
		if old.Spec.HealthCheckNodePort != 0 {
			t.laterPorts = append(t.laterPorts, int(old.Spec.HealthCheckNodePort))
		}
		svc.Spec.HealthCheckNodePort = 0
	case was && is:
		if svc.Spec.HealthCheckNodePort == 0 {
			svc.Spec.HealthCheckNodePort = old.Spec.HealthCheckNodePort
		} else if svc.Spec.HealthCheckNodePort != old.Spec.HealthCheckNodePort {
			return apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(hcPath, svc.Spec.HealthCheckNodePort,
				"cannot change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update")})
		}
	}
	return nil
}

// allocClusterIP claims the requested cluster IP or a free one. A headless Service
// gets none.
func (a *Allocator) allocClusterIP(ctx context.Context, t *txn, svc *corev1.Service) error {
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return nil
	}
	if svc.Spec.ClusterIP == "" {
		ip, err := a.nextIP(ctx, t.owner, t.dryRun)
		if errors.Is(err, errFull) {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", err))
		}
		if err != nil {
			return err
		}
		if !t.dryRun {
			t.ips = append(t.ips, ip.String())
		}
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip.String(), []string{ip.String()}
		return nil
	}
	requested := svc.Spec.ClusterIP
	ip, err := netip.ParseAddr(requested)
	if err != nil {
		// Validation lets only well-formed addresses through.
		return apierrors.NewInternalError(fmt.Errorf("failed to parse service IP %q", requested))
	}
	owned, err := a.claimIP(ctx, ip, t.owner, t.dryRun)
	if owned {
		t.ips = append(t.ips, requested)
	}
	if err != nil {
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			return err
		}
		return apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIPs"),
			svc.Spec.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: %v", requested, err))})
	}
	return nil
}

// initNodePorts gives every port of a new Service a node port: the requested one, or
// the one another port with the same number got (TCP and UDP on one port share it), or
// a free one, as upstream.
func initNodePorts(ctx context.Context, t *txn, svc *corev1.Service) error {
	byPort := map[int32]int32{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort == 0 && !allocatesNodePorts(svc) {
			continue // requested ones are still honoured
		}
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		got := byPort[p.Port]
		switch {
		case got == 0:
			if np := requestedNodePort(p.Port, svc.Spec.Ports); np != 0 {
				if err := claimPortAt(ctx, t, svc, int(np), path); err != nil {
					return err
				}
				p.NodePort = np
			} else {
				np, err := t.nextPort(ctx)
				if err != nil {
					return nextPortError(err)
				}
				p.NodePort = int32(np)
			}
			byPort[p.Port] = p.NodePort
		case p.NodePort == 0:
			p.NodePort = got
		case p.NodePort != got:
			if err := claimPortAt(ctx, t, svc, int(p.NodePort), path); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateNodePorts claims the node ports the new version adds (requested or free);
// those of the old version stay claimed.
func updateNodePorts(ctx context.Context, t *txn, svc *corev1.Service, oldPorts []int) error {
	claimed := map[int]bool{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort == 0 && !allocatesNodePorts(svc) {
			continue
		}
		if p.NodePort != 0 {
			np := int(p.NodePort)
			if !slices.Contains(oldPorts, np) && !claimed[np] {
				if err := claimPortAt(ctx, t, svc, np, field.NewPath("spec", "ports").Index(i).Child("nodePort")); err != nil {
					return err
				}
				claimed[np] = true
			}
			continue
		}
		np, err := t.nextPort(ctx)
		if err != nil {
			return nextPortError(err)
		}
		p.NodePort = int32(np)
	}
	return nil
}

func claimPortAt(ctx context.Context, t *txn, svc *corev1.Service, p int, path *field.Path) error {
	err := t.claimPort(ctx, p)
	if err == nil {
		return nil
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(path, p, err.Error())})
}

func nextPortError(err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
}

// allocHealthCheckPort claims the health check node port of a LoadBalancer Service
// with externalTrafficPolicy Local: the requested one or a free one.
func allocHealthCheckPort(ctx context.Context, t *txn, svc *corev1.Service) error {
	if p := int(svc.Spec.HealthCheckNodePort); p != 0 {
		if err := t.claimPort(ctx, p); err != nil {
			return apierrors.NewInternalError(fmt.Errorf("failed to allocate requested HealthCheck NodePort %v: %v", p, err))
		}
		return nil
	}
	p, err := t.nextPort(ctx)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("failed to allocate a HealthCheck NodePort %v: %v", p, err))
	}
	svc.Spec.HealthCheckNodePort = int32(p)
	return nil
}

// checkFamilies refuses IP families this single-stack IPv4 cluster does not have, with
// upstream's messages.
func (a *Allocator) checkFamilies(svc *corev1.Service) error {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	spec := field.NewPath("spec")
	var policy corev1.IPFamilyPolicy
	if svc.Spec.IPFamilyPolicy != nil {
		policy = *svc.Spec.IPFamilyPolicy
	}
	var errs field.ErrorList
	if policy == corev1.IPFamilyPolicySingleStack {
		if len(svc.Spec.ClusterIPs) == 2 {
			errs = append(errs, field.Invalid(spec.Child("ipFamilyPolicy"), policy,
				"must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
		}
		if len(svc.Spec.IPFamilies) == 2 {
			errs = append(errs, field.Invalid(spec.Child("ipFamilyPolicy"), policy,
				"must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
		}
	}
	for i, ip := range svc.Spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if addr, err := netip.ParseAddr(ip); err == nil && addr.Is6() && i >= len(svc.Spec.IPFamilies) {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(i), svc.Spec.ClusterIPs, "IPv6 is not configured on this cluster"))
		}
	}
	if len(errs) == 0 && !(svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.Selector) == 0) {
		// A headless Service without a selector may name both families anywhere.
		if policy == corev1.IPFamilyPolicyRequireDualStack {
			errs = append(errs, field.Invalid(spec.Child("ipFamilyPolicy"), policy, "this cluster is not configured for dual-stack services"))
		}
		for i, f := range svc.Spec.IPFamilies {
			if f != corev1.IPv4Protocol {
				errs = append(errs, field.Invalid(spec.Child("ipFamilies").Index(i), f, "not configured on this cluster"))
			}
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(serviceKind, svc.Name, errs)
	}
	return nil
}

func needsClusterIP(svc *corev1.Service) bool { return svc.Spec.Type != corev1.ServiceTypeExternalName }

func needsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// allocatesNodePorts reports whether ports without a node port get one (a
// LoadBalancer may opt out with allocateLoadBalancerNodePorts: false).
func allocatesNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

func needsHealthCheck(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// requestedNodePort is the node port some port with number port asks for, 0 if none.
func requestedNodePort(port int32, ports []corev1.ServicePort) int32 {
	for _, p := range ports {
		if p.Port == port && p.NodePort != 0 {
			return p.NodePort
		}
	}
	return 0
}

// clusterIPs are the addresses svc holds.
func clusterIPs(svc *corev1.Service) []string {
	if !needsClusterIP(svc) {
		return nil
	}
	var out []string
	for _, ip := range svc.Spec.ClusterIPs {
		if ip != "" && ip != corev1.ClusterIPNone {
			out = append(out, ip)
		}
	}
	return out
}

// portNumbers are the node ports of svc's ports, each once.
func portNumbers(svc *corev1.Service) []int {
	var out []int
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 && !slices.Contains(out, int(p.NodePort)) {
			out = append(out, int(p.NodePort))
		}
	}
	return out
}

// nodePorts are every node port svc holds, its health check port included.
func nodePorts(svc *corev1.Service) []int {
	out := portNumbers(svc)
	if hc := int(svc.Spec.HealthCheckNodePort); hc != 0 && !slices.Contains(out, hc) {
		out = append(out, hc)
	}
	return out
}
