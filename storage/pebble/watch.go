package pebble

import (
	"context"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"kite/storage"
)

// historyChunk bounds how much history a catching-up watcher reads under one snapshot,
// so a watcher stuck on a slow client does not pin old data in Pebble.
const historyChunk = 256

// Watch implements storage.Interface.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (storage.Watcher, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	return s.hub.Watch(ctx, prefix, fromRev)
}

// history reads the stored changes in (after, upTo] for the watch hub.
func (s *Store) history(ctx context.Context, prefix string, after, upTo int64, emit func(storage.Event) error) error {
	chunk := make([]storage.Event, 0, historyChunk)
	for after < upTo {
		var err error
		chunk, after, err = s.readHistory(prefix, after, upTo, chunk[:0])
		if err != nil {
			return err
		}
		for _, ev := range chunk {
			if err := emit(ev); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// readHistory appends up to historyChunk changes after revision after (and at most
// upTo) to buf. It returns the revision it read up to.
func (s *Store) readHistory(prefix string, after, upTo int64, buf []storage.Event) ([]storage.Event, int64, error) {
	v := s.acquireView()
	defer v.release()
	if c := s.compacted.Load(); after < c {
		return nil, 0, &storage.CompactedError{Requested: after, Compacted: c}
	}
	upTo = min(upTo, v.rev)
	it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: historyKey(after + 1), UpperBound: historyKey(upTo + 1)})
	if err != nil {
		return nil, 0, err
	}
	defer it.Close()
	scanned := 0
	ok := it.First()
	for ; ok && len(buf) < historyChunk && scanned < 16*historyChunk; ok = it.Next() {
		scanned++
		rec, err := decodeRecord(it.Value())
		if err != nil {
			return nil, 0, err
		}
		after = rec.modRev
		if !strings.HasPrefix(rec.key, prefix) {
			continue
		}
		ev := storage.Event{
			Type:           rec.typ,
			Key:            rec.key,
			Value:          rec.value,
			Revision:       rec.modRev,
			CreateRevision: rec.createRev,
			PrevRevision:   rec.prevRev,
		}
		if rec.prevRev != 0 {
			prev, err := s.historyRecord(v.snap, rec.prevRev)
			if err != nil {
				return nil, 0, err
			}
			ev.PrevValue = prev.value
		}
		buf = append(buf, ev)
	}
	if err := it.Error(); err != nil {
		return nil, 0, err
	}
	if !ok {
		after = upTo // read to the end of the range
	}
	return buf, after, nil
}
