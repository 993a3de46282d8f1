package pebble

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"kite/storage"
)

// All writes go through one committer goroutine. It takes every request waiting in the
// queue (up to maxGroup), checks each against the current state, gives each successful
// one the next revision, and commits the group as one Pebble batch with one fsync. While
// it waits for the disk, new requests queue up and form the next group, so throughput
// grows with the number of concurrent writers (group commit). Only after the fsync does
// it publish a new read view and the watch events, and answer the writers: nobody sees
// a write that a crash could still lose.
const maxGroup = 512

type opKind int

const (
	opCreate opKind = iota
	opUpdate
	opDelete
	// opExpire deletes key if it still carries the expiry expiresAt (the TTL sweeper's
	// request; a concurrent update that changed the TTL wins).
	opExpire
)

type request struct {
	op          opKind
	key         string
	value       []byte
	expectedRev int64
	ttl         time.Duration
	expiresAt   int64
	reply       chan result
}

type result struct {
	kv  *storage.KeyValue
	rev int64
	err error
}

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, value []byte, opts storage.WriteOptions) (*storage.KeyValue, error) {
	res := s.submit(ctx, &request{op: opCreate, key: key, value: clone(value), ttl: opts.TTL})
	return res.kv, res.err
}

// Update implements storage.Interface.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64, opts storage.WriteOptions) (*storage.KeyValue, error) {
	res := s.submit(ctx, &request{op: opUpdate, key: key, value: clone(value), expectedRev: expectedRev, ttl: opts.TTL})
	return res.kv, res.err
}

// Delete implements storage.Interface.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (*storage.KeyValue, int64, error) {
	res := s.submit(ctx, &request{op: opDelete, key: key, expectedRev: expectedRev})
	return res.kv, res.rev, res.err
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append(make([]byte, 0, len(b)), b...)
}

func (s *Store) submit(ctx context.Context, r *request) result {
	if r.key == "" {
		return result{err: errors.New("pebble: empty key")}
	}
	if err := ctx.Err(); err != nil {
		return result{err: err}
	}
	if err := s.usable(); err != nil {
		return result{err: err}
	}
	r.reply = make(chan result, 1)
	select {
	case s.requests <- r:
	case <-s.closing:
		return result{err: storage.ErrClosed}
	case <-ctx.Done():
		return result{err: ctx.Err()}
	}
	// Once queued, the write is waited for even if ctx ends, so the caller learns its
	// outcome instead of guessing.
	select {
	case res := <-r.reply:
		return res
	case <-s.committed:
		select {
		case res := <-r.reply:
			return res
		default:
			return result{err: storage.ErrClosed}
		}
	}
}

func (s *Store) commitLoop() {
	defer close(s.committed)
	group := make([]*request, 0, maxGroup)
	for {
		select {
		case <-s.closing:
			return
		case r := <-s.requests:
			group = append(group[:0], r)
		}
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-s.requests:
				group = append(group, r)
			default:
				break fill
			}
		}
		s.commitGroup(group)
		clear(group)
	}
}

// groupState is the state of the keys a group has touched so far: later requests in
// the group must see the writes of earlier ones, which are not in Pebble yet.
type groupState map[string]*record // nil: deleted in this group

func (s *Store) commitGroup(group []*request) {
	batch := s.db.NewBatch()
	defer batch.Close()
	base := s.view.Load().rev
	rev := base
	touched := groupState{}
	results := make([]result, len(group))
	events := make([]storage.Event, 0, len(group))
	var keysDelta int64
	now := s.cfg.Clock.Now().UnixNano()

	for i, r := range group {
		cur, err := s.currentRecord(touched, r.key)
		if err != nil {
			results[i].err = err
			continue
		}
		if err := check(r, cur); err != nil {
			results[i].err = err
			continue
		}
		if r.op == opExpire && (cur == nil || cur.expiresAt != r.expiresAt) {
			continue // renewed or gone meanwhile: nothing to do
		}
		rev++
		next := &record{key: r.key, modRev: rev, createRev: rev}
		if cur != nil {
			next.prevRev = cur.modRev
			next.createRev = cur.createRev
		}
		ev := storage.Event{Key: r.key, Revision: rev, PrevRevision: next.prevRev}
		if cur != nil {
			ev.PrevValue = cur.value
		}
		if cur != nil && cur.expiresAt != 0 {
			batch.Delete(ttlKey(cur.expiresAt, r.key), nil)
		}
		switch r.op {
		case opCreate, opUpdate:
			next.typ = storage.EventPut
			next.value = r.value
			if r.op == opCreate {
				next.createRev, next.prevRev, ev.PrevRevision = rev, 0, 0
				keysDelta++
			}
			if r.ttl > 0 {
				next.expiresAt = now + int64(r.ttl)
				batch.Set(ttlKey(next.expiresAt, r.key), nil, nil)
			}
			enc := next.encode()
			batch.Set(currentKey(r.key), enc, nil)
			batch.Set(historyKey(rev), enc, nil)
			touched[r.key] = next
			results[i].kv = next.keyValue()
			results[i].kv.Value = clone(r.value) // the caller may change what it gets
			ev.Type, ev.Value = storage.EventPut, r.value
		case opDelete, opExpire:
			next.typ = storage.EventDelete
			batch.Delete(currentKey(r.key), nil)
			batch.Set(historyKey(rev), next.encode(), nil)
			touched[r.key] = nil
			keysDelta--
			results[i].kv = cur.keyValue()
			ev.Type = storage.EventDelete
		}
		batch.Set(indexKey(r.key, rev), []byte{byte(next.typ)}, nil)
		ev.CreateRevision = next.createRev
		results[i].rev = rev
		events = append(events, ev)
	}

	if rev > base {
		batch.Set(keyRevision, encodeUint(rev), nil)
		batch.Set(keyCount, encodeUint(s.keys.Load()+keysDelta), nil)
		if err := batch.Commit(pebble.Sync); err != nil {
			// The disk failed us; what Pebble holds in memory may now be ahead of what
			// is durable, so no further write can be trusted.
			err = fmt.Errorf("pebble: commit failed, store is read-only until restart: %w", err)
			s.failed.Store(&err)
			s.log.Error("store commit failed", "err", err)
			for i := range results {
				if results[i].err == nil {
					results[i] = result{err: err}
				}
			}
		} else {
			s.keys.Add(keysDelta)
			old := s.view.Swap(newView(s.db, rev))
			old.release()
			s.hub.Publish(events)
		}
	}
	for i, r := range group {
		r.reply <- results[i]
	}
}

// check applies a request's precondition to the key's current record (nil: absent).
func check(r *request, cur *record) error {
	switch r.op {
	case opCreate:
		if cur != nil {
			return fmt.Errorf("%w: %q", storage.ErrExists, r.key)
		}
	case opUpdate, opDelete:
		if cur == nil {
			return fmt.Errorf("%w: %q", storage.ErrNotFound, r.key)
		}
		if (r.op == opUpdate || r.expectedRev != 0) && cur.modRev != r.expectedRev {
			return &storage.ConflictError{Key: r.key, ExpectedRev: r.expectedRev, Current: cur.keyValue()}
		}
	}
	return nil
}

// currentRecord returns key's newest record as the committer sees it (nil: absent).
func (s *Store) currentRecord(touched groupState, key string) (*record, error) {
	if r, ok := touched[key]; ok {
		return r, nil
	}
	b, err := s.getRaw(s.db, currentKey(key))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(b)
}
