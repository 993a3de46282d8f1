package allocator

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Upstream's labels on the IPAddresses its Service allocator makes.
const (
	LabelManagedBy  = "ipaddress.kubernetes.io/managed-by"
	ManagedByValue  = "ipallocator.k8s.io"
	LabelIPFamily   = "ipaddress.kubernetes.io/ip-family"
	servicesRes     = "services"
	claimAttempts   = 4 // a claim racing a release retries this often
	staticBandMin   = 16
	staticBandMax   = 256
	staticBandShare = 16
)

var (
	// errAllocated and errFull carry upstream's words.
	errAllocated = errors.New("provided IP is already allocated")
	errFull      = errors.New("range is full")
)

// owner names the Service a claim belongs to.
type owner struct{ namespace, name string }

func (o owner) String() string { return o.namespace + "/" + o.name }

// ipRange is the addresses of an IPv4 prefix a Service may get: all but the network
// and broadcast addresses, as upstream. Offsets count from the first usable address.
type ipRange struct {
	prefix netip.Prefix
	first  uint32
	size   uint32
	// static is the length of the low band that dynamic allocation uses last, so
	// addresses people pick by hand (10.43.0.10 for DNS) stay free, as upstream's.
	static uint32
}

func newIPRange(p netip.Prefix) (ipRange, error) {
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 {
		return ipRange{}, fmt.Errorf("allocator: service range %s: want an IPv4 prefix from /8 to /30", p)
	}
	a := p.Addr().As4()
	r := ipRange{prefix: p, first: binary.BigEndian.Uint32(a[:]) + 1, size: uint32(1)<<(32-p.Bits()) - 2}
	if r.size >= staticBandMin {
		r.static = min(max(staticBandMin, r.size/staticBandShare), staticBandMax)
	}
	return r, nil
}

// contains reports whether a may be a Service's cluster IP.
func (r ipRange) contains(a netip.Addr) bool {
	if !a.Is4() || !r.prefix.Contains(a) {
		return false
	}
	b := a.As4()
	off := binary.BigEndian.Uint32(b[:]) - r.first
	return off < r.size // the network address wraps to a huge offset
}

func (r ipRange) at(off uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], r.first+off)
	return netip.AddrFrom4(b)
}

// candidates yields every address once: the dynamic band from a random point, then
// the static band from a random point.
func (r ipRange) candidates() iter.Seq[netip.Addr] {
	return func(yield func(netip.Addr) bool) {
		for _, band := range [][2]uint32{{r.static, r.size}, {0, r.static}} {
			lo, n := band[0], band[1]-band[0]
			if n == 0 {
				continue
			}
			start := rand.N(n)
			for i := range n {
				if !yield(r.at(lo + (start+i)%n)) {
					return
				}
			}
		}
	}
}

func (r ipRange) notInRange(ip string) error {
	return fmt.Errorf("the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, r.prefix)
}

// ipAddress is the claim of ip by o.
func ipAddress(ip netip.Addr, o owner) *networkingv1.IPAddress {
	return &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{
			Name:   ip.String(),
			Labels: map[string]string{LabelIPFamily: "IPv4", LabelManagedBy: ManagedByValue},
		},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{
			Resource: servicesRes, Namespace: o.namespace, Name: o.name,
		}},
	}
}

// heldBy reports whether the IPAddress names o as its parent.
func heldBy(ip *networkingv1.IPAddress, o owner) bool {
	ref := ip.Spec.ParentRef
	return ref != nil && ref.Group == "" && ref.Resource == servicesRes && ref.Namespace == o.namespace && ref.Name == o.name
}

// claimIP claims ip for o. owned is false when o already held it (a retried create,
// the kubernetes Service at each start): such a claim is not the caller's to undo.
// With dryRun it only checks.
func (a *Allocator) claimIP(ctx context.Context, ip netip.Addr, o owner, dryRun bool) (owned bool, err error) {
	if !a.ips.contains(ip) {
		return false, a.ips.notInRange(ip.String())
	}
	for range claimAttempts {
		if !dryRun {
			_, err := a.cfg.IPAddresses.Create(ctx, "", ipAddress(ip, o), metav1.CreateOptions{})
			if err == nil {
				return true, nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return false, err
			}
		}
		cur, err := a.cfg.IPAddresses.Get(ctx, "", ip.String(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) && dryRun:
			return false, nil
		case apierrors.IsNotFound(err):
			continue // released meanwhile: try again
		case err != nil:
			return false, err
		case heldBy(cur.(*networkingv1.IPAddress), o):
			return false, nil
		default:
			return false, errAllocated
		}
	}
	return false, errAllocated
}

// nextIP claims a free address for o (with dryRun: finds one and claims nothing).
func (a *Allocator) nextIP(ctx context.Context, o owner, dryRun bool) (netip.Addr, error) {
	for ip := range a.ips.candidates() {
		if dryRun {
			_, err := a.cfg.IPAddresses.Get(ctx, "", ip.String(), metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return ip, nil
			}
			if err != nil {
				return netip.Addr{}, err
			}
			continue
		}
		_, err := a.cfg.IPAddresses.Create(ctx, "", ipAddress(ip, o), metav1.CreateOptions{})
		if err == nil {
			return ip, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return netip.Addr{}, err
		}
	}
	return netip.Addr{}, errFull
}

// releaseIP gives up o's claim of ip; a claim held by someone else stays.
func (a *Allocator) releaseIP(ctx context.Context, ip string, o owner) error {
	obj, err := a.cfg.IPAddresses.Get(ctx, "", ip, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cur := obj.(*networkingv1.IPAddress)
	if !heldBy(cur, o) {
		return nil
	}
	_, _, err = a.cfg.IPAddresses.Delete(ctx, "", ip, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone, or replaced by another claim
	}
	return err
}
