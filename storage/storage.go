package storage

import (
	"context"
	"time"
)

// Interface is the revisioned, watchable key-value store the API server keeps every
// object in. Keys are byte strings ("/registry/pods/default/web-0"); values are opaque.
//
// Revisions: the store has one global revision counter. Every successful write
// (Create, Update, Delete, and a TTL expiry, which is a Delete done by the store) takes
// the next revision, so revisions are strictly increasing and gap-free: a failed write
// takes none. The revision of a fresh store is 0.
//
// Reads: a read at revision 0 reads the newest state. A read at revision R > 0 reads the
// state exactly as it was after the write of revision R; R must be at most the current
// revision (else ErrFutureRevision) and at least the compacted revision (else
// ErrCompacted). A read returns the revision it read at, so a caller can continue a
// paginated list at that same revision and see one consistent snapshot.
//
// Implementations are safe for concurrent use. A write that returned without error is
// durable (it survives the process being killed) before it is visible to any reader or
// watcher.
type Interface interface {
	// Get returns the value of key at revision rev (0: newest). It fails with
	// ErrNotFound when the key does not exist at that revision.
	Get(ctx context.Context, key string, rev int64) (*KeyValue, error)

	// List returns the keys with opts.Prefix, in byte order, starting at opts.StartKey
	// (inclusive) when it is set, as of opts.Revision (0: newest). With opts.Limit > 0 it
	// returns at most that many and reports how many more there are.
	List(ctx context.Context, opts ListOptions) (*ListResult, error)

	// Create writes key with value. It fails with ErrExists when the key exists.
	// It returns the new object, whose ModRevision is the revision of this write.
	Create(ctx context.Context, key string, value []byte, opts WriteOptions) (*KeyValue, error)

	// Update replaces the value of key if its ModRevision is still expectedRev (so an
	// expectedRev of 0 always conflicts). It fails with ErrNotFound when the key does not
	// exist and with a *ConflictError (which matches ErrConflict) carrying the current
	// object otherwise.
	Update(ctx context.Context, key string, value []byte, expectedRev int64, opts WriteOptions) (*KeyValue, error)

	// Delete removes key if its ModRevision is still expectedRev, or unconditionally when
	// expectedRev is 0. It returns the deleted object and the revision of the delete. It
	// fails as Update does.
	Delete(ctx context.Context, key string, expectedRev int64) (deleted *KeyValue, rev int64, err error)

	// Watch delivers every change to keys with prefix made after revision fromRev, in
	// revision order, each carrying the previous value. With fromRev 0 it starts after the
	// current revision. A fromRev below the compacted revision fails with ErrCompacted
	// (a watch from the compacted revision itself works: it starts after it).
	// The watch ends when ctx is done, Stop is called, or the store closes it (see
	// Watcher); it never blocks writers or other watchers.
	Watch(ctx context.Context, prefix string, fromRev int64) (Watcher, error)

	// Compact discards the history before rev: afterwards reads at revisions below rev
	// and watches from below rev fail with ErrCompacted, while the state at rev and after
	// stays readable. Compacting to a revision at or below the compacted one is a no-op;
	// rev above the current revision fails with ErrFutureRevision.
	// Stores also compact by themselves, keeping a configured span of history.
	Compact(ctx context.Context, rev int64) error

	// CurrentRevision returns the revision of the newest write.
	CurrentRevision(ctx context.Context) (int64, error)

	// Close stops watches and background work and releases the store. Writes that
	// returned before Close are durable.
	Close() error
}

// KeyValue is one version of a key.
type KeyValue struct {
	Key   string
	Value []byte
	// CreateRevision is the revision of the Create that made this incarnation of the key.
	CreateRevision int64
	// ModRevision is the revision of the write that produced this version.
	ModRevision int64
	// ExpiresAt is when the key expires (zero: never). See WriteOptions.TTL.
	ExpiresAt time.Time
}

// WriteOptions adjust a Create or Update.
type WriteOptions struct {
	// TTL > 0 makes the store delete the key (a normal Delete, seen by watchers) once
	// TTL has passed since this write. An Update without TTL clears an earlier one.
	// Expiry is done by a background sweep, so a key may outlive its TTL by a little.
	TTL time.Duration
}

// ListOptions select a List.
type ListOptions struct {
	Prefix string
	// StartKey, when set, is the first key to return (it must have Prefix). A caller
	// continues a list by passing the key after the last one it got and the revision
	// of the first page.
	StartKey string
	// Revision is the revision to read at; 0 reads the newest state.
	Revision int64
	// Limit > 0 caps the number of returned items.
	Limit int64
}

// ListResult is one page of a List.
type ListResult struct {
	Items []*KeyValue
	// Revision is the revision the list was read at.
	Revision int64
	// Remaining counts the matching keys after the last returned one (0 without Limit).
	Remaining int64
}

// EventType says what a watch event is.
type EventType int

const (
	// EventPut is a Create or an Update (PrevValue is nil for a Create).
	EventPut EventType = iota + 1
	// EventDelete is a Delete or a TTL expiry; Value is nil, PrevValue the deleted value.
	EventDelete
	// EventProgress carries no change: every change with a revision at or below
	// Revision has been delivered. It answers Watcher.RequestProgress.
	EventProgress
)

func (t EventType) String() string {
	switch t {
	case EventPut:
		return "PUT"
	case EventDelete:
		return "DELETE"
	case EventProgress:
		return "PROGRESS"
	}
	return "UNKNOWN"
}

// Event is one change seen by a watch. Its Value and PrevValue may be shared with
// other watchers of the same change and must not be modified.
type Event struct {
	Type EventType
	Key  string
	// Value is the new value (nil for a delete).
	Value []byte
	// PrevValue is the value before this change (nil if the key did not exist).
	PrevValue []byte
	// Revision is the revision of the change (ModRevision of the new version).
	Revision int64
	// CreateRevision is the CreateRevision of the key's incarnation this change
	// belongs to (for a delete: of the deleted object).
	CreateRevision int64
	// PrevRevision is the ModRevision of the previous version (0 if none).
	PrevRevision int64
}

// Watcher is a running watch.
type Watcher interface {
	// Events yields the changes in revision order. It is closed when the watch ends;
	// Err then says why.
	Events() <-chan Event
	// Err is nil after Stop or the end of the watch's context. It is ErrCompacted when
	// the watch fell behind into compacted history, ErrClosed when the store closed.
	// It must be called only after Events is closed.
	Err() error
	// RequestProgress asks for an EventProgress event carrying the newest revision
	// whose changes have all been delivered. Requests made before the answer is sent are
	// answered together.
	RequestProgress()
	// Stop ends the watch and releases its resources. It is safe to call more than once.
	Stop()
}
