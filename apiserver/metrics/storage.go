package metrics

import (
	"context"
	"strings"
	"time"

	"kite/storage"
)

// Storage returns st with the latency of every call recorded in
// etcd_request_duration_seconds{operation,type}, type being the resource of the key
// ("configmaps") as upstream's. Watch is not timed: it lasts as long as its watcher.
func (m *Metrics) Storage(st storage.Interface) storage.Interface {
	if m == nil {
		return st
	}
	return &timedStore{Interface: st, m: m}
}

type timedStore struct {
	storage.Interface
	m *Metrics
}

func (s *timedStore) observe(op, key string, start time.Time) {
	s.m.storage.WithLabelValues(op, resourceOf(key)).Observe(time.Since(start).Seconds())
}

// resourceOf is the resource segment of a /registry/<resource>/... key or prefix.
func resourceOf(key string) string {
	rest, ok := strings.CutPrefix(key, "/registry/")
	if !ok {
		return "other"
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func (s *timedStore) Get(ctx context.Context, key string, rev int64) (*storage.KeyValue, error) {
	defer s.observe("get", key, time.Now())
	return s.Interface.Get(ctx, key, rev)
}

func (s *timedStore) List(ctx context.Context, opts storage.ListOptions) (*storage.ListResult, error) {
	defer s.observe("list", opts.Prefix, time.Now())
	return s.Interface.List(ctx, opts)
}

func (s *timedStore) Create(ctx context.Context, key string, value []byte, opts storage.WriteOptions) (*storage.KeyValue, error) {
	defer s.observe("create", key, time.Now())
	return s.Interface.Create(ctx, key, value, opts)
}

func (s *timedStore) Update(ctx context.Context, key string, value []byte, expectedRev int64, opts storage.WriteOptions) (*storage.KeyValue, error) {
	defer s.observe("update", key, time.Now())
	return s.Interface.Update(ctx, key, value, expectedRev, opts)
}

func (s *timedStore) Delete(ctx context.Context, key string, expectedRev int64) (*storage.KeyValue, int64, error) {
	defer s.observe("delete", key, time.Now())
	return s.Interface.Delete(ctx, key, expectedRev)
}

func (s *timedStore) Compact(ctx context.Context, rev int64) error {
	defer s.observe("compact", "", time.Now())
	return s.Interface.Compact(ctx, rev)
}
