package memory

import (
	"sort"

	"kite/storage"
)

// record is one write in the log.
type record struct {
	typ storage.EventType // EventPut or EventDelete
	key string
	rev int64
	// kv is the version this write produced; nil for a delete.
	kv *storage.KeyValue
	// prev is the version this write replaced; nil for a create.
	prev *storage.KeyValue
}

// event turns the record into a watch event whose values belong to the receiver.
func (r *record) event() storage.Event {
	ev := storage.Event{Type: r.typ, Key: r.key, Revision: r.rev}
	if r.kv != nil {
		ev.Value = copyValue(r.kv.Value)
		ev.CreateRevision = r.kv.CreateRevision
	}
	if r.prev != nil {
		ev.PrevValue = copyValue(r.prev.Value)
		ev.PrevRevision = r.prev.ModRevision
		if r.kv == nil {
			ev.CreateRevision = r.prev.CreateRevision
		}
	}
	return ev
}

// appendLocked adds the record of the write that just took revision s.rev and wakes
// the watchers. The caller holds s.mu.
func (s *Store) appendLocked(r *record) {
	s.log = append(s.log, r)
	s.byKey[r.key] = append(s.byKey[r.key], r)
	s.signalLocked()
	if s.history > 0 && s.rev-s.compacted >= 2*s.history {
		// Compacting only once twice the span has accumulated keeps the cost of the
		// rebuild in compactLocked proportional to the writes since the last one.
		s.compactLocked(s.rev - s.history)
	}
}

// recordAtLocked returns key's newest record at or below rev, or nil. The caller
// holds s.mu and has checked rev against the compacted revision.
func (s *Store) recordAtLocked(key string, rev int64) *record {
	recs := s.byKey[key]
	i := sort.Search(len(recs), func(i int) bool { return recs[i].rev > rev })
	if i == 0 {
		return nil
	}
	return recs[i-1]
}

// versionAtLocked returns the version of key at rev, or nil when the key did not
// exist then. The caller holds s.mu.
func (s *Store) versionAtLocked(key string, rev int64) *storage.KeyValue {
	r := s.recordAtLocked(key, rev)
	if r == nil || r.typ == storage.EventDelete {
		return nil
	}
	return r.kv
}

// compactLocked drops the records that no read at rev or later and no watch from rev
// or later can need. The caller holds s.mu and has checked s.compacted < rev <= s.rev.
func (s *Store) compactLocked(rev int64) {
	var kept []*record
	for _, r := range s.log {
		// A record at or below rev is needed only as the state of its key at rev.
		if r.rev > rev || (r.typ == storage.EventPut && s.recordAtLocked(r.key, rev) == r) {
			kept = append(kept, r)
		}
	}
	byKey := make(map[string][]*record, len(s.byKey))
	for _, r := range kept {
		byKey[r.key] = append(byKey[r.key], r)
	}
	s.log, s.byKey, s.compacted = kept, byKey, rev
	// Watchers behind rev must learn that they have fallen into compacted history.
	s.signalLocked()
}

// cloneKV returns a copy of kv that the caller may change freely.
func cloneKV(kv *storage.KeyValue) *storage.KeyValue {
	c := *kv
	c.Value = copyValue(kv.Value)
	return &c
}

// copyValue returns a copy of v that shares no memory with it. The copy of an empty
// value is empty but not nil: an empty value is still a value, unlike the nil
// PrevValue of a create.
func copyValue(v []byte) []byte {
	c := make([]byte, len(v))
	copy(c, v)
	return c
}
