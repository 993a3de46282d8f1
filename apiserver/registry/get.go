package registry

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// Get returns the object, or a 404 Status error. Without a resourceVersion it reads the
// store, as upstream reads etcd. With one ("0", or "N" the cache has reached) a running
// watch cache answers; otherwise the store's newest state does, as upstream serves any
// version not newer than it.
func (s *Store) Get(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
	key := s.key(namespace, name)
	if opts.ResourceVersion != "" {
		if minRev, err := parseRV(opts.ResourceVersion); err == nil {
			c := s.cacher()
			// A read that names a revision is the cache's to serve; the first one starts
			// it (and, until it has filled, falls through to the store).
			c.start()
			obj, found, ok := c.get(key, minRev)
			switch {
			case ok && found:
				// The caller may set the copy's kind; the rest is shared with the cache.
				return shallowCopy(obj), nil
			case ok:
				return nil, s.statusError(fmt.Errorf("%w: %q", storage.ErrNotFound, key), name)
			}
		}
	}
	kv, err := s.cfg.Storage.Get(ctx, key, 0)
	if err != nil {
		return nil, s.statusError(err, name)
	}
	return s.decodeKV(kv)
}
