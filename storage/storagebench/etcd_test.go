package storagebench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"kite/storage"
)

// BenchmarkEtcd is the baseline: the same loads as BenchmarkPebble, under the same
// names, done with the etcd client against a single-node etcd that each sub-benchmark
// starts on loopback and stops when it is done.
func BenchmarkEtcd(b *testing.B) {
	if _, err := os.Stat(etcdBinary); err != nil {
		b.Fatalf("the etcd baseline needs %s (%v): run make deps", etcdBinary, err)
	}
	runCases(b, func() (kv, func() error, error) {
		srv, err := startEtcd(b.Context())
		if srv != nil {
			// Also stopped if the sub-benchmark never returns to runCases.
			b.Cleanup(func() { _ = srv.stop() })
		}
		if err != nil {
			return nil, nil, err
		}
		return etcdKV{srv.client}, srv.stop, nil
	})
}

// etcdKV does the loads' operations the way an etcd-backed API server does them.
type etcdKV struct {
	c *clientv3.Client
}

// create puts key only if it has never been created (CreateRevision 0), in one
// transaction: the API server's create.
func (k etcdKV) create(ctx context.Context, key string, value []byte) error {
	resp, err := k.c.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return err
	}
	if !resp.Succeeded {
		return fmt.Errorf("%w: %s", storage.ErrExists, key)
	}
	return nil
}

func (k etcdKV) get(ctx context.Context, key string) ([]byte, error) {
	resp, err := k.c.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("%w: %s", storage.ErrNotFound, key)
	}
	return resp.Kvs[0].Value, nil
}

func (k etcdKV) list(ctx context.Context, prefix string) (int, error) {
	resp, err := k.c.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, err
	}
	return len(resp.Kvs), nil
}

func (k etcdKV) count(ctx context.Context, prefix string) (int, error) {
	resp, err := k.c.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return int(resp.Count), nil
}

// watch asks for previous values as Kite's watch always carries them, and waits for
// etcd to confirm the watch so that writes made after it returns are seen.
func (k etcdKV) watch(ctx context.Context, prefix string, deliver func([]byte), ended func()) (func() error, error) {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	ch := k.c.Watch(ctx, prefix, clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithCreatedNotify())
	first, ok := <-ch
	switch {
	case !ok:
		cancel()
		return nil, fmt.Errorf("watch %s closed before it started: %w", prefix, ctx.Err())
	case first.Err() != nil:
		cancel()
		return nil, fmt.Errorf("watch %s: %w", prefix, first.Err())
	case !first.Created:
		cancel()
		return nil, fmt.Errorf("watch %s: first response is not the creation notice", prefix)
	}
	done := make(chan struct{})
	var streamErr error
	go func() {
		defer close(done)
		defer ended()
		for resp := range ch {
			if err := resp.Err(); err != nil {
				streamErr = err
			}
			for _, ev := range resp.Events {
				if ev.Type == clientv3.EventTypePut {
					deliver(ev.Kv.Value)
				}
			}
		}
	}()
	stop := func() error {
		cancel()
		<-done
		if streamErr != nil && !errors.Is(streamErr, context.Canceled) {
			return fmt.Errorf("watch %s: %w", prefix, streamErr)
		}
		return nil
	}
	return stop, nil
}
