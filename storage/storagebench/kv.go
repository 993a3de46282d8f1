package storagebench

import (
	"context"
	"errors"
	"fmt"

	"kite/storage"
)

// kv is what the loads need from a store: the operations whose cost is measured, plus
// count for setup. It is small so that a backend outside storage.Interface (the etcd
// client, for the baseline) can implement it with its own equivalent operations.
type kv interface {
	// create writes a new key; it fails with an error matching storage.ErrExists when
	// the key exists.
	create(ctx context.Context, key string, value []byte) error
	// get returns the newest value of key.
	get(ctx context.Context, key string) ([]byte, error)
	// list reads every key with prefix at the newest revision and returns how many it
	// read.
	list(ctx context.Context, prefix string) (int, error)
	// count returns how many keys have prefix.
	count(ctx context.Context, prefix string) (int, error)
	// watch starts watching prefix from the current revision and returns once the watch
	// is in place, so a write made after it returns is seen. It calls deliver with the
	// value of every put, from one goroutine, and ended when the watch's stream ends for
	// any reason. stop ends the watch, waits until deliver and ended will not be called
	// again, and returns why the watch ended if it ended by itself.
	watch(ctx context.Context, prefix string, deliver func(value []byte), ended func()) (stop func() error, err error)
}

// storeKV runs the loads on a storage.Interface.
type storeKV struct {
	s storage.Interface
}

func (k storeKV) create(ctx context.Context, key string, value []byte) error {
	_, err := k.s.Create(ctx, key, value, storage.WriteOptions{})
	return err
}

func (k storeKV) get(ctx context.Context, key string) ([]byte, error) {
	got, err := k.s.Get(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	return got.Value, nil
}

func (k storeKV) list(ctx context.Context, prefix string) (int, error) {
	res, err := k.s.List(ctx, storage.ListOptions{Prefix: prefix})
	if err != nil {
		return 0, err
	}
	return len(res.Items), nil
}

func (k storeKV) count(ctx context.Context, prefix string) (int, error) {
	// One item and the remainder: the store counts without handing every value over.
	res, err := k.s.List(ctx, storage.ListOptions{Prefix: prefix, Limit: 1})
	if err != nil {
		return 0, err
	}
	return len(res.Items) + int(res.Remaining), nil
}

func (k storeKV) watch(ctx context.Context, prefix string, deliver func([]byte), ended func()) (func() error, error) {
	w, err := k.s.Watch(ctx, prefix, 0)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ended()
		for ev := range w.Events() {
			if ev.Type == storage.EventPut {
				deliver(ev.Value)
			}
		}
	}()
	stop := func() error {
		w.Stop()
		<-done
		if err := w.Err(); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("watch %s: %w", prefix, err)
		}
		return nil
	}
	return stop, nil
}
