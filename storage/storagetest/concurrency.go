package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"kite/storage"
)

// testConcurrency runs read-modify-write loops in parallel, as API server requests
// updating one object do: every increment must land exactly once, and the revisions
// they take must be gap-free.
func testConcurrency(t *testing.T, newStore Factory) {
	s := newStore(t)
	const workers, increments = 8, 50
	const key = "/n/counter"
	mustCreate(t, s, key, "0") // 1
	w := mustWatch(t, s, "/n/", 0)

	var wg sync.WaitGroup
	revs := make(chan int64, workers*increments)
	errc := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			if err := increment(s, key, increments, revs); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(revs)
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	const total = workers * increments
	seen := make(map[int64]bool)
	for rev := range revs {
		if seen[rev] || rev < 2 || rev > total+1 {
			t.Fatalf("an Update returned revision %d, a repeat or outside 2..%d", rev, total+1)
		}
		seen[rev] = true
	}
	wantKV(t, "counter", mustGet(t, s, key, 0), kv(key, strconv.Itoa(total), 1, total+1))
	wantRevision(t, s, total+1)

	for i := 1; i <= total; i++ {
		ev := nextEvent(t, w)
		want := update(key, strconv.Itoa(i), strconv.Itoa(i-1), int64(i+1), 1, int64(i))
		if !sameEvent(ev, want) {
			t.Fatalf("watch event %d = %s, want %s", i, fmtEvent(ev), fmtEvent(want))
		}
	}
}

// increment adds one to the counter at key n times, retrying on conflicts with the
// current object the conflict carries, and reports the revision of each success.
func increment(s storage.Interface, key string, n int, revs chan<- int64) error {
	ctx := context.Background()
	cur, err := s.Get(ctx, key, 0)
	if err != nil {
		return err
	}
	for range n {
		for {
			v, err := strconv.Atoi(string(cur.Value))
			if err != nil {
				return fmt.Errorf("counter holds %q: %w", cur.Value, err)
			}
			next, err := s.Update(ctx, key, []byte(strconv.Itoa(v+1)), cur.ModRevision, storage.WriteOptions{})
			var ce *storage.ConflictError
			if errors.As(err, &ce) {
				cur = ce.Current
				continue
			}
			if err != nil {
				return err
			}
			revs <- next.ModRevision
			cur = next
			break
		}
	}
	return nil
}
