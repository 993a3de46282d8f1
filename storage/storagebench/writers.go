package storagebench

import (
	"context"
	"sync"
)

// runWriters does the operations 0..n-1 on exactly `writers` goroutines: writer w does
// one contiguous share of the indexes, in order, each with do(ctx, w, i, vals), vals being
// that writer's own value source. Shares differ by at most one, so every writer is busy
// for the same time. The first error cancels the other writers and is returned.
// seed makes the writers' values differ from those of other calls.
func runWriters(ctx context.Context, writers, n int, seed uint64, do func(ctx context.Context, w, i int, vals *values) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	lo := 0
	for w := range writers {
		share := n / writers
		if w < n%writers {
			share++
		}
		first, end := lo, lo+share
		lo = end
		vals := newValues(seed, uint64(w))
		wg.Go(func() {
			for i := first; i < end; i++ {
				if err := do(ctx, w, i, vals); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
