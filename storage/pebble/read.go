package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"kite/storage"
)

// Reads are served from the newest durable view (a Pebble snapshot). The newest state
// comes from the c/ table; an older revision is found through the i/ index, which
// names, for each key, the revisions at which it changed, and the h/ table, which holds
// each change.

// readAt takes a view for reading at rev (0: newest) and checks rev against it.
func (s *Store) readAt(rev int64) (*view, int64, error) {
	if err := s.usable(); err != nil {
		return nil, 0, err
	}
	v := s.acquireView()
	switch {
	case rev == 0:
		return v, v.rev, nil
	case rev > v.rev:
		v.release()
		return nil, 0, fmt.Errorf("%w: %d requested, current is %d", storage.ErrFutureRevision, rev, v.rev)
	}
	// Compaction records its revision before deleting anything, so a check made after
	// the snapshot was taken is safe: if it passes, the snapshot holds the history.
	if c := s.compacted.Load(); rev < c {
		v.release()
		return nil, 0, &storage.CompactedError{Requested: rev, Compacted: c}
	}
	return v, rev, nil
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string, rev int64) (*storage.KeyValue, error) {
	v, rev, err := s.readAt(rev)
	if err != nil {
		return nil, err
	}
	defer v.release()
	var rec *record
	if rev == v.rev {
		rec, err = s.currentAt(v, key)
	} else {
		rec, err = s.versionAt(v, key, rev)
	}
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, fmt.Errorf("%w: %q", storage.ErrNotFound, key)
	}
	return rec.keyValue(), nil
}

func (s *Store) currentAt(v *view, key string) (*record, error) {
	b, err := s.getRaw(v.snap, currentKey(key))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(b)
}

// versionAt returns key's version at rev (nil: absent then), through the i/ index.
func (s *Store) versionAt(v *view, key string, rev int64) (*record, error) {
	prefix := indexKeyPrefix(key)
	it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: indexKey(key, rev+1)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.Last() {
		return nil, it.Error()
	}
	_, at, err := parseIndexKey(it.Key())
	if err != nil {
		return nil, err
	}
	if t := it.Value(); len(t) != 1 || storage.EventType(t[0]) != storage.EventPut {
		return nil, nil // deleted at that revision
	}
	return s.historyRecord(v.snap, at)
}

func (s *Store) historyRecord(r pebble.Reader, rev int64) (*record, error) {
	b, err := s.getRaw(r, historyKey(rev))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: history of revision %d is missing", storage.ErrCorrupt, rev)
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(b)
}

// List implements storage.Interface.
func (s *Store) List(ctx context.Context, opts storage.ListOptions) (*storage.ListResult, error) {
	if opts.StartKey != "" && !bytes.HasPrefix([]byte(opts.StartKey), []byte(opts.Prefix)) {
		return nil, fmt.Errorf("pebble: list start key %q is outside prefix %q", opts.StartKey, opts.Prefix)
	}
	v, rev, err := s.readAt(opts.Revision)
	if err != nil {
		return nil, err
	}
	defer v.release()
	res := &storage.ListResult{Revision: rev}
	if rev == v.rev {
		err = s.listCurrent(ctx, v, opts, res)
	} else {
		err = s.listAt(ctx, v, rev, opts, res)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Store) listCurrent(ctx context.Context, v *view, opts storage.ListOptions, res *storage.ListResult) error {
	var start []byte
	if opts.StartKey != "" {
		start = currentKey(opts.StartKey)
	}
	it, ok, err := scanPrefix(v, currentKey(opts.Prefix), start)
	if err != nil {
		return err
	}
	defer it.Close()
	for ; ok; ok = it.Next() {
		if opts.Limit > 0 && int64(len(res.Items)) >= opts.Limit {
			res.Remaining++
			continue
		}
		if len(res.Items)%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := decodeRecord(it.Value())
		if err != nil {
			return err
		}
		res.Items = append(res.Items, rec.keyValue())
	}
	return it.Error()
}

// listAt lists the keys as of an older revision: for each key in the index, the last
// change at or before rev decides whether it existed and which version it had.
func (s *Store) listAt(ctx context.Context, v *view, rev int64, opts storage.ListOptions, res *storage.ListResult) error {
	var start []byte
	if opts.StartKey != "" {
		start = indexKeyPrefix(opts.StartKey)
	}
	it, ok, err := scanPrefix(v, appendEscaped(append([]byte(nil), indexTable...), opts.Prefix), start)
	if err != nil {
		return err
	}
	defer it.Close()
	var (
		curKey   string
		curRev   int64 // the last change of curKey at or before rev; 0: none
		curAlive bool
		seen     int
	)
	flush := func() error {
		if curRev == 0 || !curAlive {
			return nil
		}
		if opts.Limit > 0 && int64(len(res.Items)) >= opts.Limit {
			res.Remaining++
			return nil
		}
		rec, err := s.historyRecord(v.snap, curRev)
		if err != nil {
			return err
		}
		res.Items = append(res.Items, rec.keyValue())
		return nil
	}
	for ; ok; ok = it.Next() {
		if seen++; seen%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		key, at, err := parseIndexKey(it.Key())
		if err != nil {
			return err
		}
		if key != curKey {
			if err := flush(); err != nil {
				return err
			}
			curKey, curRev, curAlive = key, 0, false
		}
		if at > rev {
			continue
		}
		t := it.Value()
		curRev, curAlive = at, len(t) == 1 && storage.EventType(t[0]) == storage.EventPut
	}
	if err := it.Error(); err != nil {
		return err
	}
	return flush()
}

// scanPrefix opens an iterator over the Pebble keys starting with prefix, positioned at
// start (nil: the first of them). ok says whether it is on a key.
func scanPrefix(v *view, prefix, start []byte) (it *pebble.Iterator, ok bool, err error) {
	it, err = v.snap.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, false, err
	}
	if start == nil {
		return it, it.First(), nil
	}
	return it, it.SeekGE(start), nil
}
