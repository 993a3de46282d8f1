package customresource

import (
	"context"
	"sync"

	"kite/storage"
)

// closableStorage is the storage a served version's Store uses. release ends the watches
// made through it and refuses new ones, so a Store dropped when its definition changes
// or goes away lets go of its watch cache and its clients' watches (they reconnect to
// the new Store, as upstream's clients do when a definition changes). Reads and writes
// pass through: requests in flight on the old Store finish.
type closableStorage struct {
	storage.Interface
	mu       sync.Mutex
	closed   bool
	watchers map[*closableWatcher]struct{}
}

func newClosableStorage(s storage.Interface) *closableStorage {
	return &closableStorage{Interface: s, watchers: map[*closableWatcher]struct{}{}}
}

func (c *closableStorage) Watch(ctx context.Context, prefix string, rev int64) (storage.Watcher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, storage.ErrClosed
	}
	w, err := c.Interface.Watch(ctx, prefix, rev)
	if err != nil {
		return nil, err
	}
	cw := &closableWatcher{Watcher: w, parent: c}
	c.watchers[cw] = struct{}{}
	return cw, nil
}

// release ends every watch and refuses new ones; the store itself stays open (it is
// the server's). It is safe to call more than once.
func (c *closableStorage) release() {
	c.mu.Lock()
	c.closed = true
	ws := make([]*closableWatcher, 0, len(c.watchers))
	for w := range c.watchers {
		ws = append(ws, w)
	}
	c.mu.Unlock()
	for _, w := range ws {
		w.Stop()
	}
}

type closableWatcher struct {
	storage.Watcher
	parent *closableStorage
}

func (w *closableWatcher) Stop() {
	w.parent.mu.Lock()
	delete(w.parent.watchers, w)
	w.parent.mu.Unlock()
	w.Watcher.Stop()
}
