package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"kite/storage"
)

// Config configures a Store. Every field is optional.
type Config struct {
	// Clock drives TTL expiry. Default: the real clock.
	Clock clock.WithTicker
	// TTLSweepInterval is how often expired keys are deleted. Default: 1s.
	TTLSweepInterval time.Duration
	// History, when > 0, makes the store compact itself so that at least the newest
	// History revisions stay readable. 0 keeps every revision until Compact is called.
	History int64
}

// Store is the in-memory reference implementation of storage.Interface.
type Store struct {
	clock   clock.WithTicker
	history int64

	// done is closed by Close; background goroutines and watchers end on it.
	done chan struct{}
	// wg counts the sweeper and the watcher goroutines, so Close can wait for them.
	wg sync.WaitGroup

	mu     sync.Mutex
	closed bool
	// rev is the revision of the newest write; compacted the revision compacted to.
	rev       int64
	compacted int64
	// log holds the retained records in revision order (see doc.go for what
	// compaction keeps); byKey indexes the same records per key, also in order.
	log   []*record
	byKey map[string][]*record
	// current is the newest version of every existing key.
	current map[string]*storage.KeyValue
	// changed is closed and replaced by every write and by compaction, waking the
	// watchers that have caught up.
	changed chan struct{}
}

var _ storage.Interface = (*Store)(nil)

// New returns a running Store. Close it to stop its sweeper and watchers.
func New(cfg Config) *Store {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.TTLSweepInterval <= 0 {
		cfg.TTLSweepInterval = time.Second
	}
	s := &Store{
		clock:   cfg.Clock,
		history: cfg.History,
		done:    make(chan struct{}),
		byKey:   map[string][]*record{},
		current: map[string]*storage.KeyValue{},
		changed: make(chan struct{}),
	}
	s.wg.Add(1)
	go s.sweep(cfg.TTLSweepInterval)
	return s
}

// CurrentRevision returns the revision of the newest write.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, storage.ErrClosed
	}
	return s.rev, nil
}

// Close ends every watch with ErrClosed, stops the sweeper and waits for all of them.
// Later calls do nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// beginLocked checks what every operation checks first. The caller holds s.mu.
func (s *Store) beginLocked(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return storage.ErrClosed
	}
	return nil
}

// readRevisionLocked resolves the revision a read asks for (0: the newest) and checks
// that it is inside the retained history. The caller holds s.mu.
func (s *Store) readRevisionLocked(rev int64) (int64, error) {
	switch {
	case rev == 0:
		return s.rev, nil
	case rev < 0:
		return 0, fmt.Errorf("memory: negative revision %d", rev)
	case rev > s.rev:
		return 0, fmt.Errorf("memory: read at revision %d, current is %d: %w",
			rev, s.rev, storage.ErrFutureRevision)
	case rev < s.compacted:
		return 0, &storage.CompactedError{Requested: rev, Compacted: s.compacted}
	}
	return rev, nil
}

// signalLocked wakes the watchers waiting for a change. The caller holds s.mu.
func (s *Store) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
