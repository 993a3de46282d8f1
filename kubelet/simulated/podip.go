package simulated

import (
	"errors"
	"net/netip"
	"sync"
)

// errNoIP says a node's pod range is full.
var errNoIP = errors.New("simulated nodes: no pod IP left in the node's range")

// podIPs hands out pod IPs per node: from the node's range, skipping the network
// address, the first host (a real node's bridge) and the broadcast address. Safe for
// concurrent use.
type podIPs struct {
	mu sync.Mutex
	// used maps an IP to the pod (namespace/name) holding it.
	used map[netip.Addr]string
	// byPod is the reverse, for release.
	byPod map[string]netip.Addr
}

func newPodIPs() *podIPs {
	return &podIPs{used: map[netip.Addr]string{}, byPod: map[string]netip.Addr{}}
}

// occupy records that pod holds ip (from its status), as at start-up.
func (p *podIPs) occupy(pod, ip string) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, held := p.used[a]; held {
		return
	}
	if old, ok := p.byPod[pod]; ok {
		delete(p.used, old)
	}
	p.used[a], p.byPod[pod] = pod, a
}

// allocate gives pod an IP of cidr, or the one it holds already.
func (p *podIPs) allocate(pod, cidr string) (string, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "", err
	}
	prefix = prefix.Masked()
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byPod[pod]; ok && prefix.Contains(a) {
		return a.String(), nil
	}
	// Skip the network address and the first host.
	a := prefix.Addr().Next().Next()
	for ; prefix.Contains(a); a = a.Next() {
		if !prefix.Contains(a.Next()) {
			break // the broadcast address
		}
		if _, held := p.used[a]; !held {
			p.used[a], p.byPod[pod] = pod, a
			return a.String(), nil
		}
	}
	return "", errNoIP
}

// release frees pod's IP.
func (p *podIPs) release(pod string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.byPod[pod]; ok {
		delete(p.byPod, pod)
		if p.used[a] == pod {
			delete(p.used, a)
		}
	}
}
