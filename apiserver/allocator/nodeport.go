package allocator

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"

	"kite/storage"
)

// nodePortPrefix is where node port claims live, one key per port, beside upstream's
// single /registry/ranges/servicenodeports bitmap key.
const nodePortPrefix = "/registry/ranges/servicenodeports/"

// errPortAllocated carries upstream's words.
var errPortAllocated = errors.New("provided port is already allocated")

// portRange is the node ports, with a low static band that dynamic allocation uses
// last, as upstream's (min(max(16, size/32), 128) ports).
type portRange struct {
	min, max int
	static   int
}

func newPortRange(lo, hi int) portRange {
	r := portRange{min: lo, max: hi}
	if n := hi - lo + 1; n >= 16 {
		r.static = min(max(16, n/32), 128)
	}
	return r
}

func (r portRange) contains(p int) bool { return p >= r.min && p <= r.max }

func (r portRange) notInRange() error {
	return fmt.Errorf("provided port is not in the valid range. The range of valid ports is %d-%d", r.min, r.max)
}

func (r portRange) candidates() iter.Seq[int] {
	return func(yield func(int) bool) {
		size := r.max - r.min + 1
		for _, band := range [][2]int{{r.static, size}, {0, r.static}} {
			lo, n := band[0], band[1]-band[0]
			if n <= 0 {
				continue
			}
			start := rand.N(n)
			for i := range n {
				if !yield(r.min + lo + (start+i)%n) {
					return
				}
			}
		}
	}
}

func portKey(p int) string { return nodePortPrefix + strconv.Itoa(p) }

// claimPort claims port p for o; owned as in claimIP.
func (a *Allocator) claimPort(ctx context.Context, p int, o owner, dryRun bool) (owned bool, err error) {
	if !a.ports.contains(p) {
		return false, a.ports.notInRange()
	}
	for range claimAttempts {
		if !dryRun {
			_, err := a.cfg.Storage.Create(ctx, portKey(p), []byte(o.String()), storage.WriteOptions{})
			if err == nil {
				return true, nil
			}
			if !errors.Is(err, storage.ErrExists) {
				return false, err
			}
		}
		kv, err := a.cfg.Storage.Get(ctx, portKey(p), 0)
		switch {
		case errors.Is(err, storage.ErrNotFound) && dryRun:
			return false, nil
		case errors.Is(err, storage.ErrNotFound):
			continue
		case err != nil:
			return false, err
		case string(kv.Value) == o.String():
			return false, nil
		default:
			return false, errPortAllocated
		}
	}
	return false, errPortAllocated
}

// nextPort claims a free port for o (with dryRun: finds one and claims nothing).
func (a *Allocator) nextPort(ctx context.Context, o owner, dryRun bool) (int, error) {
	for p := range a.ports.candidates() {
		if dryRun {
			_, err := a.cfg.Storage.Get(ctx, portKey(p), 0)
			if errors.Is(err, storage.ErrNotFound) {
				return p, nil
			}
			if err != nil {
				return 0, err
			}
			continue
		}
		_, err := a.cfg.Storage.Create(ctx, portKey(p), []byte(o.String()), storage.WriteOptions{})
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, storage.ErrExists) {
			return 0, err
		}
	}
	return 0, errFull
}

// releasePort gives up o's claim of p; a claim held by someone else stays.
func (a *Allocator) releasePort(ctx context.Context, p int, o owner) error {
	kv, err := a.cfg.Storage.Get(ctx, portKey(p), 0)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if string(kv.Value) != o.String() {
		return nil
	}
	_, _, err = a.cfg.Storage.Delete(ctx, portKey(p), kv.ModRevision)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}
