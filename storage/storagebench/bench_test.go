package storagebench

import (
	"fmt"
	"testing"
)

// The sizes of the sub-benchmarks; bench.sh's table and the targets use them.
const (
	benchGetKeys  = 1000
	benchListKeys = 10_000
	benchWatchers = 100
)

// benchCase is one sub-benchmark. Every backend runs the same list, under the same
// names, so hack/bench.sh can put the results side by side.
type benchCase struct {
	name string
	body func(b *testing.B, s kv)
}

func benchCases() []benchCase {
	cases := []benchCase{}
	for _, w := range []int{1, 8, 64} {
		cases = append(cases, benchCase{fmt.Sprintf("create/writers=%d", w), func(b *testing.B, s kv) { benchCreate(b, s, w) }})
	}
	return append(cases,
		benchCase{"get", func(b *testing.B, s kv) { benchGet(b, s, benchGetKeys) }},
		benchCase{"list-10k", func(b *testing.B, s kv) { benchList(b, s, benchListKeys) }},
		benchCase{"watch-100", func(b *testing.B, s kv) { benchWatch(b, s, benchWatchers) }},
	)
}

// opener starts a fresh backend and returns it with the function that stops it and
// removes its data.
type opener func() (s kv, closeFn func() error, err error)

// runCases runs every case as a sub-benchmark of b, each on a backend of its own so no
// case measures a store another one filled. The testing package calls a sub-benchmark
// several times with growing b.N; the backend is opened on the first call and kept for
// the others (the loads are written to run again on the same store), then closed when the
// sub-benchmark is over, so at most one backend runs at a time.
func runCases(b *testing.B, open opener) {
	for _, c := range benchCases() {
		var (
			s       kv
			closeFn func() error
		)
		b.Run(c.name, func(b *testing.B) {
			if s == nil {
				var err error
				if s, closeFn, err = open(); err != nil {
					b.Fatal(err)
				}
			}
			c.body(b, s)
		})
		if closeFn != nil {
			if err := closeFn(); err != nil {
				b.Errorf("%s: close the backend: %v", c.name, err)
			}
		}
	}
}
