package nodeipam

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// errFull says every range of the cluster range is in use.
var errFull = errors.New("nodeipam: no pod range left in the cluster range")

// allocator hands out the /maskSize subranges of a cluster range, lowest free first.
// It is safe for concurrent use.
type allocator struct {
	cluster  netip.Prefix
	maskSize int
	mu       sync.Mutex
	// used holds, per subrange index, the node that holds it ("" for a reservation).
	used map[int]string
}

func newAllocator(cluster netip.Prefix, maskSize int) (*allocator, error) {
	cluster = cluster.Masked()
	if !cluster.Addr().Is4() {
		return nil, fmt.Errorf("nodeipam: cluster range %s is not IPv4", cluster)
	}
	if maskSize < cluster.Bits() || maskSize > 30 {
		return nil, fmt.Errorf("nodeipam: node mask size %d does not fit cluster range %s", maskSize, cluster)
	}
	if maskSize-cluster.Bits() > 16 {
		return nil, fmt.Errorf("nodeipam: cluster range %s holds too many /%d ranges", cluster, maskSize)
	}
	return &allocator{cluster: cluster, maskSize: maskSize, used: map[int]string{}}, nil
}

// size is how many subranges the cluster range holds.
func (a *allocator) size() int { return 1 << (a.maskSize - a.cluster.Bits()) }

// prefix is subrange i.
func (a *allocator) prefix(i int) netip.Prefix {
	b := a.cluster.Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v := base + uint32(i)<<(32-a.maskSize)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), a.maskSize)
}

// index is the subrange p names, or false when p is not one of them.
func (a *allocator) index(p netip.Prefix) (int, bool) {
	if p.Bits() != a.maskSize || !a.cluster.Contains(p.Addr()) || p.Masked() != p {
		return 0, false
	}
	b, c := p.Addr().As4(), a.cluster.Addr().As4()
	off := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) -
		(uint32(c[0])<<24 | uint32(c[1])<<16 | uint32(c[2])<<8 | uint32(c[3]))
	return int(off >> (32 - a.maskSize)), true
}

// occupy marks cidr as held by node; ranges outside the cluster range are ignored
// (someone else manages them).
func (a *allocator) occupy(cidr, node string) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return
	}
	i, ok := a.index(p)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, held := a.used[i]; !held {
		a.used[i] = node
	}
}

// allocate gives node the lowest free subrange.
func (a *allocator) allocate(node string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.size() {
		if _, held := a.used[i]; !held {
			a.used[i] = node
			return a.prefix(i).String(), nil
		}
	}
	return "", errFull
}

// release frees cidr if node holds it; a reservation or another node's range stays.
func (a *allocator) release(cidr, node string) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return
	}
	i, ok := a.index(p)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if holder, held := a.used[i]; held && holder == node && node != "" {
		delete(a.used, i)
	}
}

// inUse is how many subranges are held, reservations included.
func (a *allocator) inUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.used)
}
