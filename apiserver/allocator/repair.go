package allocator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/storage"
)

// Repair makes the claims match the Services, as upstream's repair controllers do: a
// Service's IP or port without a claim gets one, and a claim no Service holds (left by
// a process killed between the claim and the Service write, or by a failed release) is
// removed. It must run while no Service writes are in flight: at start-up, before
// serving. It returns how many claims it made and removed.
func (a *Allocator) Repair(ctx context.Context, services Objects) (made, removed int, err error) {
	obj, err := services.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		return 0, 0, fmt.Errorf("allocator: listing services: %w", err)
	}
	heldIPs := map[string]owner{}
	heldPorts := map[int]owner{}
	for _, svc := range obj.(*corev1.ServiceList).Items {
		o := owner{svc.Namespace, svc.Name}
		for _, ip := range clusterIPs(&svc) {
			heldIPs[ip] = o
		}
		for _, p := range nodePorts(&svc) {
			heldPorts[p] = o
		}
	}

	obj, err = a.cfg.IPAddresses.List(ctx, "", metav1.ListOptions{LabelSelector: LabelManagedBy + "=" + ManagedByValue})
	if err != nil {
		return 0, 0, fmt.Errorf("allocator: listing ipaddresses: %w", err)
	}
	claimedIPs := map[string]bool{}
	for _, ip := range obj.(*networkingv1.IPAddressList).Items {
		if o, ok := heldIPs[ip.Name]; ok && heldBy(&ip, o) {
			claimedIPs[ip.Name] = true
			continue
		}
		_, _, err := a.cfg.IPAddresses.Delete(ctx, "", ip.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &ip.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return made, removed, fmt.Errorf("allocator: removing the leaked claim of %s: %w", ip.Name, err)
		}
		a.logger.Info("removed a cluster IP claim no Service holds", "ip", ip.Name)
		removed++
	}
	for ip, o := range heldIPs {
		if claimedIPs[ip] {
			continue
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil || !a.ips.contains(addr) {
			a.logger.Warn("a Service holds a cluster IP outside the service range", "service", o.String(), "ip", ip)
			continue
		}
		owned, err := a.claimIP(ctx, addr, o, false)
		if err != nil {
			// Upstream reports this as the ClusterIPAlreadyAllocated event; the Service
			// keeps its IP.
			a.logger.Error("a Service's cluster IP is claimed by another object", "service", o.String(), "ip", ip, "err", err)
			continue
		}
		if owned {
			made++
		}
	}

	list, err := a.cfg.Storage.List(ctx, storage.ListOptions{Prefix: nodePortPrefix})
	if err != nil {
		return made, removed, fmt.Errorf("allocator: listing node port claims: %w", err)
	}
	claimedPorts := map[int]bool{}
	for _, kv := range list.Items {
		p, err := strconv.Atoi(strings.TrimPrefix(kv.Key, nodePortPrefix))
		if o, ok := heldPorts[p]; err == nil && ok && o.String() == string(kv.Value) {
			claimedPorts[p] = true
			continue
		}
		if _, _, err := a.cfg.Storage.Delete(ctx, kv.Key, kv.ModRevision); err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrConflict) {
			return made, removed, fmt.Errorf("allocator: removing the leaked claim %s: %w", kv.Key, err)
		}
		a.logger.Info("removed a node port claim no Service holds", "key", kv.Key)
		removed++
	}
	for p, o := range heldPorts {
		if claimedPorts[p] {
			continue
		}
		owned, err := a.claimPort(ctx, p, o, false)
		if err != nil {
			a.logger.Error("a Service's node port cannot be claimed", "service", o.String(), "port", p, "err", err)
			continue
		}
		if owned {
			made++
		}
	}
	return made, removed, nil
}
