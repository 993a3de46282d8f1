package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// CacheState returns, once the Store's watch cache has caught up with the store, the
// objects it holds and the same objects decoded afresh from the store, by key: a test
// outside the package compares them to catch a reader that changed a shared object.
func CacheState(ctx context.Context, s *Store) (cached, stored map[string]runtime.Object, err error) {
	c := s.cacher()
	rev, err := s.cfg.Storage.CurrentRevision(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := c.waitFresh(ctx, rev, freshWait); err != nil {
		return nil, nil, err
	}
	cached = map[string]runtime.Object{}
	c.mu.Lock()
	for k, e := range c.state {
		cached[k] = e.obj
	}
	c.mu.Unlock()
	page, err := s.cfg.Storage.List(ctx, storage.ListOptions{Prefix: s.prefix("")})
	if err != nil {
		return nil, nil, err
	}
	stored = map[string]runtime.Object{}
	for _, kv := range page.Items {
		if stored[kv.Key], err = s.decodeKV(kv); err != nil {
			return nil, nil, err
		}
	}
	return cached, stored, nil
}
