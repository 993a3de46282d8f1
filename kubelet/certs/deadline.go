package certs

import "time"

// The share of a certificate's life after which it is renewed is drawn uniformly from
// [minShare, maxShare), as upstream's kubelet does (80 % ± 10 %), so nodes that joined
// together do not all renew together.
const (
	minShare = 0.7
	maxShare = 0.9
)

// rotationDeadline is when a certificate living from since to notAfter is renewed,
// for r drawn uniformly from [0, 1).
//
// since is the later of the certificate's NotBefore and when this node got it: Kite's
// signer backdates NotBefore by five minutes for clock skew, which upstream's kubelet
// counts as life lived. With upstream's signing durations (ten minutes at least, a
// year by default) that hardly matters; with a short --cluster-signing-duration it
// would put the deadline in the past at once and renew in a loop.
func rotationDeadline(since, notAfter time.Time, r float64) time.Time {
	life := notAfter.Sub(since)
	if life <= 0 {
		return since
	}
	share := minShare + (maxShare-minShare)*r
	return since.Add(time.Duration(float64(life) * share))
}

// backoff is how long to wait before the next attempt after failed ones: it doubles
// from initial up to max, as upstream's 2 s, 4 s, … 32 s.
type backoff struct {
	initial, max, next time.Duration
}

func (b *backoff) step() time.Duration {
	d := b.next
	if d == 0 {
		d = b.initial
	}
	b.next = min(2*d, b.max)
	return d
}

func (b *backoff) reset() { b.next = 0 }
