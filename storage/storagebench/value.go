package storagebench

import (
	"encoding/binary"
	"math/rand/v2"
	"time"
)

// valueSize is the size of every value the loads write: about a small Kubernetes
// object.
const valueSize = 1024

// values makes the 1 KiB values one goroutine writes. The bytes come from a seeded
// ChaCha8 stream: incompressible, so a backend that compresses its blocks gains nothing a
// real object would not give it, and reproducible from run to run. It is not safe for
// concurrent use; each writer has its own.
type values struct {
	src *rand.ChaCha8
}

// newValues returns the value source of one writer of one load: seed tells the loads
// apart, writer the writers of a load.
func newValues(seed, writer uint64) *values {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[0:], seed)
	binary.LittleEndian.PutUint64(s[8:], writer)
	return &values{src: rand.NewChaCha8(s)}
}

// next returns a fresh value: stores may keep the slice they are given.
func (v *values) next() []byte {
	b := make([]byte, valueSize)
	_, _ = v.src.Read(b) // ChaCha8.Read never fails
	return b
}

// stampSize is the length of the send time stamped at the start of a watched value.
const stampSize = 8

// stamp writes into value the time since epoch, read from the monotonic clock just
// before the value is written, so a watcher can tell how long delivery took.
func stamp(value []byte, epoch time.Time) {
	binary.BigEndian.PutUint64(value, uint64(time.Since(epoch)))
}

// sentAt reads the stamp of value as a time since epoch; ok is false when value is too
// short to carry one.
func sentAt(value []byte) (d time.Duration, ok bool) {
	if len(value) < stampSize {
		return 0, false
	}
	return time.Duration(binary.BigEndian.Uint64(value)), true
}
