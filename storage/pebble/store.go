package pebble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"k8s.io/utils/clock"

	"kite/storage"
	"kite/storage/fanout"
)

// Config configures a Store.
type Config struct {
	// Dir is the directory of the database. Required; created when missing.
	Dir string
	// HistoryRetention is how long history is kept before background compaction
	// removes it (default 5 minutes).
	HistoryRetention time.Duration
	// CompactInterval is how often background compaction runs (default: a tenth of
	// HistoryRetention, between 1 second and 1 minute).
	CompactInterval time.Duration
	// TTLSweepInterval is how often expired keys are deleted (default 1 second).
	TTLSweepInterval time.Duration
	// WatchCacheSize is the number of recent changes kept in memory for watchers
	// (default 1024). Each holds its value and the previous one; a watcher further
	// behind reads the history from disk. The API server's watch caches, which are the
	// store's watchers, follow closely, so a short ring serves them.
	WatchCacheSize int
	// Logger receives the store's logs (default slog.Default()).
	Logger *slog.Logger
	// Clock drives compaction and TTL expiry (default the real clock).
	Clock clock.WithTicker
}

// Memory outside the Go heap: Pebble allocates its block cache and memtables by hand,
// so neither the Go runtime's memory limit nor its collector sees them, and a memtable
// once filled stays resident (Pebble keeps the last one to recycle): 32 MiB memtables
// kept 64 MiB resident after any burst of writes. The API server serves lists and
// watches from its watch cache, so the store's reads are single keys and the lists
// that miss the cache; a 32 MiB block cache keeps a list of 10,000 keys as fast as a
// larger one did. Pebble counts the memtables against the cache's size, so blocks get
// what the memtables leave (16 MiB with two); with a 16 MiB cache, a burst of creates
// cost about a tenth more CPU (hack/apiload). Rather than a smaller cache, a quiet
// server empties it (DropCache). Smaller memtables mean more flushes and more L0 files
// to compact: with 8 MiB memtables and compactions that wait for 8 L0 files (Pebble's default is
// 4), a burst of creates costs about a tenth more CPU in the store than with 32 MiB
// memtables, where 4 MiB memtables with the default threshold cost 60% more
// (storagebench, 40,000 creates at 64 writers). Up to memTableStopWrites memtables
// may wait for a flush before writes stall, so a slow disk makes a burst queue in
// memory a little longer instead of stalling at once.
const (
	cacheSize          = 32 << 20
	memTableSize       = 8 << 20
	memTableStopWrites = 4
	l0Compaction       = 8
	l0StopWrites       = 24
	watchCacheSize     = 1024

	slowDiskThreshold = 5 * time.Second
)

// Stats describe the store.
type Stats struct {
	Keys      int64
	Revision  int64
	Compacted int64
}

// Store is the Pebble-backed storage.Interface.
type Store struct {
	cfg      Config
	db       *pebble.DB
	cache    *pebble.Cache // the db's block cache, for DropCache
	fsCloser io.Closer     // stops the disk health checks
	log      *slog.Logger
	hub      *fanout.Hub

	requests  chan *request
	closing   chan struct{} // closed by Close: stop taking requests
	committed chan struct{} // closed when the committer has exited
	closeOnce sync.Once
	bg        sync.WaitGroup

	view      atomic.Pointer[view] // the newest durable state, for readers
	keys      atomic.Int64
	compacted atomic.Int64
	failed    atomic.Pointer[error] // a fatal write error; the store refuses writes after it

	compactMu sync.Mutex // one compaction at a time

	closeMu sync.RWMutex // orders DropCache, which needs the db open, before Close
}

// Open opens (or creates) the store in cfg.Dir. Data that is not a Kite store, or
// that cannot be decoded, fails with an error matching storage.ErrCorrupt.
func Open(ctx context.Context, cfg Config) (s *Store, err error) {
	if cfg.Dir == "" {
		return nil, errors.New("pebble: Config.Dir is required")
	}
	if cfg.HistoryRetention <= 0 {
		cfg.HistoryRetention = 5 * time.Minute
	}
	if cfg.CompactInterval <= 0 {
		cfg.CompactInterval = min(max(cfg.HistoryRetention/10, time.Second), time.Minute)
	}
	if cfg.TTLSweepInterval <= 0 {
		cfg.TTLSweepInterval = time.Second
	}
	if cfg.WatchCacheSize <= 0 {
		cfg.WatchCacheSize = watchCacheSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	fs, fsCloser := vfs.WithDiskHealthChecks(vfs.Default, slowDiskThreshold, nil, func(info vfs.DiskSlowInfo) {
		cfg.Logger.Warn("store disk is slow", "op", info.String())
	})
	db, cache, err := openDB(cfg.Dir, fs)
	if err != nil {
		_ = fsCloser.Close()
		return nil, err
	}
	s = &Store{
		cfg:       cfg,
		db:        db,
		cache:     cache,
		fsCloser:  fsCloser,
		log:       cfg.Logger,
		requests:  make(chan *request, 1024),
		closing:   make(chan struct{}),
		committed: make(chan struct{}),
	}
	rev, err := s.load()
	if err != nil {
		_ = db.Close()
		_ = fsCloser.Close()
		return nil, err
	}
	s.view.Store(newView(db, rev))
	s.hub, err = fanout.New(fanout.Config{
		Revision:          rev,
		Capacity:          cfg.WatchCacheSize,
		History:           s.history,
		CompactedRevision: s.compacted.Load,
	})
	if err != nil {
		_ = db.Close()
		_ = fsCloser.Close()
		return nil, err
	}
	go s.commitLoop()
	s.bg.Add(2)
	go s.compactLoop()
	go s.expireLoop()
	return s, nil
}

// openDB opens the Pebble database, refusing a directory that holds something else. The
// block cache it returns lives as long as the database.
func openDB(dir string, fs vfs.FS) (db *pebble.DB, cache *pebble.Cache, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("pebble: create %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("pebble: read %s: %w", dir, err)
	}
	// Pebble panics on some kinds of damage; a damaged store must be an error.
	defer func() {
		if p := recover(); p != nil {
			db, cache, err = nil, nil, fmt.Errorf("%w: %s: %v", storage.ErrCorrupt, dir, p)
		}
	}()
	cache = pebble.NewCache(cacheSize)
	defer cache.Unref() // the DB holds its own reference
	opts := &pebble.Options{
		ErrorIfNotExists: len(entries) > 0,
		FS:               fs,
		Logger:           quietLogger{},
		Cache:            cache,
		MemTableSize:     memTableSize,

		MemTableStopWritesThreshold: memTableStopWrites,
		L0CompactionThreshold:       l0Compaction,
		L0StopWritesThreshold:       l0StopWrites,
	}
	for i := range opts.Levels {
		// Create must learn that a key is absent without reading every level.
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err = pebble.Open(dir, opts)
	switch {
	case err == nil:
		return db, cache, nil
	case errors.Is(err, pebble.ErrDBDoesNotExist), pebble.IsCorruptionError(err):
		return nil, nil, fmt.Errorf("%w: %s does not hold a readable Kite store: %w", storage.ErrCorrupt, dir, err)
	default:
		return nil, nil, fmt.Errorf("pebble: open %s: %w", dir, err)
	}
}

// load reads the store's metadata, marking a new store as Kite's.
func (s *Store) load() (int64, error) {
	format, err := s.getRaw(s.db, keyFormat)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		it, err := s.db.NewIter(nil)
		if err != nil {
			return 0, err
		}
		nonEmpty := it.First()
		if err := it.Close(); err != nil {
			return 0, err
		}
		if nonEmpty {
			return 0, fmt.Errorf("%w: %s holds a Pebble database that is not a Kite store", storage.ErrCorrupt, s.cfg.Dir)
		}
		if err := s.db.Set(keyFormat, []byte(formatMarker), pebble.Sync); err != nil {
			return 0, err
		}
		return 0, nil
	case err != nil:
		return 0, err
	case string(format) != formatMarker:
		return 0, fmt.Errorf("%w: %s has store format %q, this Kite reads %q", storage.ErrCorrupt, s.cfg.Dir, format, formatMarker)
	}
	counters := []struct {
		key []byte
		dst func(int64)
	}{
		{keyCount, s.keys.Store},
		{keyCompacted, s.compacted.Store},
	}
	for _, c := range counters {
		if err := s.loadCounter(c.key, c.dst); err != nil {
			return 0, err
		}
	}
	var rev int64
	if err := s.loadCounter(keyRevision, func(v int64) { rev = v }); err != nil {
		return 0, err
	}
	return rev, nil
}

func (s *Store) loadCounter(key []byte, dst func(int64)) error {
	b, err := s.getRaw(s.db, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	v, err := decodeUint(b)
	if err != nil {
		return err
	}
	dst(v)
	return nil
}

// getRaw reads one Pebble key, copying its value.
func (s *Store) getRaw(r pebble.Reader, key []byte) ([]byte, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// Stats returns the number of live keys and the revisions of the store.
func (s *Store) Stats() Stats {
	return Stats{Keys: s.keys.Load(), Revision: s.view.Load().rev, Compacted: s.compacted.Load()}
}

// CurrentRevision returns the revision of the newest durable write.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	return s.view.Load().rev, nil
}

func (s *Store) usable() error {
	select {
	case <-s.closing:
		return storage.ErrClosed
	default:
	}
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops watchers and background work, then closes the database.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closeMu.Lock()
		close(s.closing)
		s.closeMu.Unlock()
		<-s.committed
		s.bg.Wait()
		s.hub.Close()
		s.view.Load().release()
		err = errors.Join(s.db.Close(), s.fsCloser.Close())
	})
	return err
}

// DropCache empties the block cache, handing its blocks to the allocator; reads fill it
// again. The server's memory returner calls it when the server is quiet: after a burst
// the cache holds up to its size less the memtables' share (about 16 MiB) of blocks an
// idle API server, which serves lists and watches from its watch caches, rarely reads
// again. It does nothing once Close has begun.
func (s *Store) DropCache() {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	select {
	case <-s.closing:
		return
	default:
	}
	s.cache.Reserve(int(s.cache.MaxSize()))()
}

// view is a snapshot of the store as of a durable revision. Readers take a reference;
// the store holds one while the view is the newest.
type view struct {
	snap *pebble.Snapshot
	rev  int64
	refs atomic.Int32
}

func newView(db *pebble.DB, rev int64) *view {
	v := &view{snap: db.NewSnapshot(), rev: rev}
	v.refs.Store(1)
	return v
}

// acquireView returns the newest view with a reference taken; call release after.
func (s *Store) acquireView() *view {
	for {
		v := s.view.Load()
		n := v.refs.Load()
		if n > 0 && v.refs.CompareAndSwap(n, n+1) {
			return v
		}
		// n == 0: v is being retired and a newer view has been published.
	}
}

func (v *view) release() {
	if v.refs.Add(-1) == 0 {
		_ = v.snap.Close()
	}
}

// quietLogger keeps Pebble's informational chatter out of the server's output.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	slog.Error(fmt.Sprintf("pebble: "+format, args...))
}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
