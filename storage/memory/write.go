package memory

import (
	"context"
	"fmt"

	"kite/storage"
)

// Create writes key when it does not exist.
func (s *Store) Create(ctx context.Context, key string, value []byte, opts storage.WriteOptions) (*storage.KeyValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, err
	}
	if _, ok := s.current[key]; ok {
		return nil, fmt.Errorf("memory: create %q: %w", key, storage.ErrExists)
	}
	return cloneKV(s.putLocked(key, value, nil, opts)), nil
}

// Update replaces key's value when its ModRevision is expectedRev.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64, opts storage.WriteOptions) (*storage.KeyValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, err
	}
	cur, err := s.expectLocked("update", key, expectedRev)
	if err != nil {
		return nil, err
	}
	return cloneKV(s.putLocked(key, value, cur, opts)), nil
}

// Delete removes key when its ModRevision is expectedRev, or unconditionally when
// expectedRev is 0.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (*storage.KeyValue, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, 0, err
	}
	if expectedRev == 0 {
		if cur, ok := s.current[key]; ok {
			expectedRev = cur.ModRevision
		}
	}
	cur, err := s.expectLocked("delete", key, expectedRev)
	if err != nil {
		return nil, 0, err
	}
	s.deleteLocked(cur)
	return cloneKV(cur), s.rev, nil
}

// expectLocked returns the current version of key if its ModRevision is expectedRev.
// An Update with expectedRev 0 conflicts: no existing version has ModRevision 0.
// The caller holds s.mu.
func (s *Store) expectLocked(verb, key string, expectedRev int64) (*storage.KeyValue, error) {
	cur, ok := s.current[key]
	if !ok {
		return nil, fmt.Errorf("memory: %s %q: %w", verb, key, storage.ErrNotFound)
	}
	if cur.ModRevision != expectedRev {
		return nil, &storage.ConflictError{Key: key, ExpectedRev: expectedRev, Current: cloneKV(cur)}
	}
	return cur, nil
}

// putLocked writes the next version of key; prev is the version it replaces (nil for
// a create). The caller holds s.mu.
func (s *Store) putLocked(key string, value []byte, prev *storage.KeyValue, opts storage.WriteOptions) *storage.KeyValue {
	s.rev++
	kv := &storage.KeyValue{
		Key:            key,
		Value:          copyValue(value),
		CreateRevision: s.rev,
		ModRevision:    s.rev,
	}
	if prev != nil {
		kv.CreateRevision = prev.CreateRevision
	}
	if opts.TTL > 0 {
		kv.ExpiresAt = s.clock.Now().Add(opts.TTL)
	}
	s.current[key] = kv
	s.appendLocked(&record{typ: storage.EventPut, key: key, rev: s.rev, kv: kv, prev: prev})
	return kv
}

// deleteLocked removes cur, the current version of its key. The caller holds s.mu.
func (s *Store) deleteLocked(cur *storage.KeyValue) {
	s.rev++
	delete(s.current, cur.Key)
	s.appendLocked(&record{typ: storage.EventDelete, key: cur.Key, rev: s.rev, prev: cur})
}
