package storage

import (
	"errors"
	"fmt"
)

// The error classes of the store. Implementations wrap them with %w; callers test them
// with errors.Is. The API server turns them into Kubernetes Status errors in one place.
var (
	ErrNotFound       = errors.New("key not found")
	ErrExists         = errors.New("key already exists")
	ErrConflict       = errors.New("revision conflict")
	ErrCompacted      = errors.New("revision has been compacted")
	ErrFutureRevision = errors.New("revision is newer than the store's current revision")
	ErrClosed         = errors.New("store is closed")
	// ErrCorrupt reports data in the store that cannot be decoded or is not a Kite store.
	ErrCorrupt = errors.New("store data is corrupt")
)

// ConflictError is returned by Update and Delete when the key's ModRevision is not the
// one the caller expected. It carries the current object so the caller can retry without
// another read. It matches ErrConflict.
type ConflictError struct {
	Key         string
	ExpectedRev int64
	Current     *KeyValue
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: key %q is at revision %d, not %d",
		ErrConflict, e.Key, e.Current.ModRevision, e.ExpectedRev)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CompactedError reports a read or watch at a revision that has been compacted away.
// It matches ErrCompacted and names the compacted revision, which the API server puts in
// its 410 Gone message.
type CompactedError struct {
	Requested int64
	Compacted int64
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("%v: revision %d requested, history starts after %d",
		ErrCompacted, e.Requested, e.Compacted)
}

// Is makes errors.Is(err, ErrCompacted) true.
func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }
