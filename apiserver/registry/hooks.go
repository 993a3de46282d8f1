package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// WriteHook is a resource's side effect that must go with each write of its objects,
// such as claiming a Service's cluster IPs and node ports. The Store calls it after
// defaults and validation, immediately before the object is written to storage:
//
//   - on create, with obj the new object and old nil;
//   - on update, with obj the new version and old the stored one;
//   - on delete (the object leaving storage, not a delete that only marks it), with
//     obj nil and old the stored object.
//
// The hook may change obj (fill in what it allocated). It returns an error (a Status
// error) to refuse the write, or done, which the Store calls exactly once: done(true)
// when the write reached storage, done(false) when it did not (a conflict, a lost
// race, dry run). So a hook claims what obj needs before the write, releases those
// claims in done(false), and releases what only old held in done(true). With dryRun
// the hook checks but claims nothing.
//
// The Store's write and the hook's claims are not one transaction: a process killed
// between them leaves a claim without its object, which the resource's owner repairs
// (see apiserver/allocator's Repair).
type WriteHook func(ctx context.Context, obj, old runtime.Object, dryRun bool) (done func(stored bool), err error)

// noDone is the done of a Store without a hook.
func noDone(bool) {}

// beforeWrite runs the Store's hook for writing obj over the stored version kv (nil on
// create; obj nil on delete).
func (s *Store) beforeWrite(ctx context.Context, obj runtime.Object, kv *storage.KeyValue, dryRun bool) (func(bool), error) {
	if s.cfg.WriteHook == nil {
		return noDone, nil
	}
	var old runtime.Object
	if kv != nil {
		var err error
		if old, err = s.decodeKV(kv); err != nil {
			return nil, err
		}
	}
	done, err := s.cfg.WriteHook(ctx, obj, old, dryRun)
	if err != nil {
		return nil, err
	}
	if done == nil {
		done = noDone
	}
	return done, nil
}
