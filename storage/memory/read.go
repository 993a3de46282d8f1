package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"kite/storage"
)

// Get returns the version of key at rev (0: the newest).
func (s *Store) Get(ctx context.Context, key string, rev int64) (*storage.KeyValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, err
	}
	at, err := s.readRevisionLocked(rev)
	if err != nil {
		return nil, err
	}
	kv := s.versionAtLocked(key, at)
	if kv == nil {
		return nil, fmt.Errorf("memory: get %q at revision %d: %w", key, at, storage.ErrNotFound)
	}
	return cloneKV(kv), nil
}

// List returns the keys with opts.Prefix from opts.StartKey on, in byte order, as of
// opts.Revision. It walks every key the log knows, which is slow and plainly right.
func (s *Store) List(ctx context.Context, opts storage.ListOptions) (*storage.ListResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, err
	}
	at, err := s.readRevisionLocked(opts.Revision)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range s.byKey {
		if strings.HasPrefix(key, opts.Prefix) && key >= opts.StartKey {
			keys = append(keys, key)
		}
	}
	// Go compares strings byte by byte, which is the order the contract asks for.
	sort.Strings(keys)
	res := &storage.ListResult{Items: []*storage.KeyValue{}, Revision: at}
	for _, key := range keys {
		kv := s.versionAtLocked(key, at)
		if kv == nil {
			continue
		}
		if opts.Limit > 0 && int64(len(res.Items)) == opts.Limit {
			res.Remaining++
			continue
		}
		res.Items = append(res.Items, cloneKV(kv))
	}
	return res, nil
}
