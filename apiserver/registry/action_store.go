package registry

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// UpdateDirect reads the object, calls fn with it and writes what fn returns, retrying
// from a fresh read when another write got there first, as UpdateWith does, but without
// the resource's update rules: for actions that change what no client update may (a
// binding sets spec.nodeName and a status condition), as upstream's do by writing to
// storage directly. fn is trusted to change only what its action owns. fn's errors are
// returned as they are: make them Status errors.
func (s *Store) UpdateDirect(ctx context.Context, namespace, name string, fn func(current runtime.Object) (runtime.Object, error), dryRun bool) (runtime.Object, error) {
	key := s.key(namespace, name)
	for attempt := 1; ; attempt++ {
		kv, err := s.cfg.Storage.Get(ctx, key, 0)
		if err != nil {
			return nil, s.statusError(err, name)
		}
		old, err := s.decodeKV(kv)
		if err != nil {
			return nil, err
		}
		obj, err := fn(old)
		if err != nil {
			return nil, err
		}
		out, err := s.write(ctx, key, obj, kv, dryRun)
		if errors.Is(err, storage.ErrConflict) && attempt < updateAttempts {
			continue
		}
		if err != nil {
			return nil, s.statusError(err, name)
		}
		return out, nil
	}
}
