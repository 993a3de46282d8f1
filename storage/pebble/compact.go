package pebble

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"kite/storage"
)

// Compaction keeps, for every key, its newest version at the compacted revision and
// everything after; it deletes the versions that were superseded at or before it, and
// delete markers at or before it. Each history record names the version it superseded
// (prevRev), so one pass over the history from the last compaction up to the new one
// finds everything to delete, without looking at the keys that did not change.
//
// The compacted revision is made durable before anything is deleted, and the pass
// records how far it got in the same batches as its deletes, so a crash in the middle
// is finished by the next start, and a reader never sees half-deleted history.

const compactBatch = 1024

// Compact implements storage.Interface.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	if cur := s.view.Load().rev; rev > cur {
		return fmt.Errorf("%w: compact to %d, current is %d", storage.ErrFutureRevision, rev, cur)
	}
	if rev <= s.compacted.Load() {
		return nil
	}
	if err := s.db.Set(keyCompacted, encodeUint(rev), pebble.Sync); err != nil {
		return err
	}
	s.compacted.Store(rev)
	return s.sweepHistory(ctx)
}

// sweepHistory deletes the history made obsolete by the compacted revision, from where
// the last sweep stopped. The caller holds compactMu.
func (s *Store) sweepHistory(ctx context.Context) error {
	upTo := s.compacted.Load()
	var from int64
	if err := s.loadCounter(keyCompactedScan, func(v int64) { from = v }); err != nil {
		return err
	}
	if from >= upTo {
		return nil
	}
	start := time.Now()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: historyKey(from + 1), UpperBound: historyKey(upTo + 1)})
	if err != nil {
		return err
	}
	defer it.Close()
	batch := s.db.NewBatch()
	defer func() { batch.Close() }()
	n, deleted := 0, 0
	for ok := it.First(); ok; ok = it.Next() {
		rec, err := decodeRecord(it.Value())
		if err != nil {
			return err
		}
		if rec.prevRev != 0 {
			batch.Delete(historyKey(rec.prevRev), nil)
			batch.Delete(indexKey(rec.key, rec.prevRev), nil)
			deleted++
		}
		if rec.typ == storage.EventDelete {
			batch.Delete(historyKey(rec.modRev), nil)
			batch.Delete(indexKey(rec.key, rec.modRev), nil)
			deleted++
		}
		if n++; n%compactBatch == 0 {
			batch.Set(keyCompactedScan, encodeUint(rec.modRev), nil)
			if err := batch.Commit(pebble.NoSync); err != nil {
				return err
			}
			batch.Close()
			batch = s.db.NewBatch()
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	batch.Set(keyCompactedScan, encodeUint(upTo), nil)
	if err := batch.Commit(pebble.NoSync); err != nil {
		return err
	}
	s.log.Debug("store compacted", "rev", upTo, "records", n, "deleted", deleted, "took", time.Since(start))
	return nil
}

type revSample struct {
	at  time.Time
	rev int64
}

// compactLoop compacts away the history older than HistoryRetention. It samples the
// revision at every tick; the newest sample older than the retention is the target.
func (s *Store) compactLoop() {
	defer s.bg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	s.compactMu.Lock()
	if err := s.sweepHistory(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("store compaction failed", "err", err)
	}
	s.compactMu.Unlock()

	ticker := s.cfg.Clock.NewTicker(s.cfg.CompactInterval)
	defer ticker.Stop()
	samples := []revSample{{s.cfg.Clock.Now(), s.view.Load().rev}}
	for {
		select {
		case <-s.closing:
			return
		case <-ticker.C():
		}
		now := s.cfg.Clock.Now()
		samples = append(samples, revSample{now, s.view.Load().rev})
		target, keep := int64(0), 0
		for i, sm := range samples {
			if now.Sub(sm.at) >= s.cfg.HistoryRetention {
				target, keep = sm.rev, i
			}
		}
		samples = samples[keep:]
		if target <= s.compacted.Load() {
			continue
		}
		if err := s.Compact(ctx, target); err != nil && ctx.Err() == nil && !errors.Is(err, storage.ErrClosed) {
			s.log.Error("store compaction failed", "rev", target, "err", err)
		}
	}
}
