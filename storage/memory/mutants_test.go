package memory_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
	"kite/storage/storagetest"
)

// A test that cannot fail proves nothing. TestSuiteCatchesMutants runs the contract
// suite and the differential test, in a child process, against memory stores with
// one deliberate bug each, and checks that every bug is caught.

// mutantEnv tells the child process which bug to plant.
const mutantEnv = "KITE_MEMORY_MUTANT"

func TestSuiteCatchesMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("this is a mutant run")
	}
	for _, tc := range []struct {
		mutant string
		run    string // the tests that must catch it
	}{
		{"update-ignores-rev", "^TestMutant$/^Conflicts$"},
		{"get-ignores-revision", "^TestMutant$/^Get$"},
		{"list-remaining-zero", "^TestMutant$/^List$"},
		{"list-reversed", "^TestMutant$/^List$/^PrefixAndOrder$"},
		{"compact-noop", "^TestMutant$/^Compact$"},
		{"create-ignores-ttl", "^TestMutant$/^TTL$"},
		{"watch-drops-prevvalue", "^TestMutant$/^Watch$"},
		{"watch-skips-one", "^TestMutant$/^SlowWatcher$"},
		{"progress-too-early", "^TestMutant$/^Progress$/^DuringReplay$"},
		{"get-ignores-revision", "^TestMutantDifferential$"},
		{"update-ignores-rev", "^TestMutantDifferential$"},
		{"list-remaining-zero", "^TestMutantDifferential$"},
		{"watch-drops-prevvalue", "^TestMutantDifferential$"},
	} {
		t.Run(tc.mutant+" "+tc.run, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run="+tc.run, "-test.count=1", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), mutantEnv+"="+tc.mutant, storagetest.SeedEnv+"=1")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the tests passed with the bug %s planted:\n%s", tc.mutant, out)
			}
			if !bytes.Contains(out, []byte("--- FAIL: TestMutant")) {
				t.Fatalf("the mutant run failed (%v) but not in a test:\n%s", err, out)
			}
		})
	}
}

func TestMutant(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		return &mutant{Store: newStore(t).(*memory.Store), bug: name}
	})
}

func TestMutantDifferential(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	subject := &mutant{Store: newStore(t).(*memory.Store), bug: name}
	storagetest.RunDifferential(t, newStore(t), subject, storagetest.Seed(t), 3000)
}

// mutant is a memory store with the bug it names.
type mutant struct {
	*memory.Store
	bug string
}

func (m *mutant) Get(ctx context.Context, key string, rev int64) (*storage.KeyValue, error) {
	if m.bug == "get-ignores-revision" {
		rev = 0
	}
	return m.Store.Get(ctx, key, rev)
}

func (m *mutant) List(ctx context.Context, opts storage.ListOptions) (*storage.ListResult, error) {
	res, err := m.Store.List(ctx, opts)
	if err == nil && m.bug == "list-remaining-zero" {
		res.Remaining = 0
	}
	if err == nil && m.bug == "list-reversed" {
		slices.Reverse(res.Items)
	}
	return res, err
}

func (m *mutant) Create(ctx context.Context, key string, value []byte, opts storage.WriteOptions) (*storage.KeyValue, error) {
	if m.bug == "create-ignores-ttl" {
		opts.TTL = 0
	}
	return m.Store.Create(ctx, key, value, opts)
}

func (m *mutant) Update(ctx context.Context, key string, value []byte, rev int64, opts storage.WriteOptions) (*storage.KeyValue, error) {
	if m.bug == "update-ignores-rev" {
		if cur, err := m.Store.Get(ctx, key, 0); err == nil {
			rev = cur.ModRevision
		}
	}
	return m.Store.Update(ctx, key, value, rev, opts)
}

func (m *mutant) Compact(ctx context.Context, rev int64) error {
	if m.bug == "compact-noop" {
		return nil
	}
	return m.Store.Compact(ctx, rev)
}

func (m *mutant) Watch(ctx context.Context, prefix string, fromRev int64) (storage.Watcher, error) {
	inner, err := m.Store.Watch(ctx, prefix, fromRev)
	if err != nil {
		return nil, err
	}
	w := &mutantWatcher{
		m:        m,
		inner:    inner,
		events:   make(chan storage.Event),
		progress: make(chan struct{}, 1),
		stop:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// mutantWatcher passes on the events of a memory watcher, with the bug planted.
type mutantWatcher struct {
	m        *mutant
	inner    storage.Watcher
	events   chan storage.Event
	progress chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	exited   chan struct{}
}

func (w *mutantWatcher) run() {
	defer close(w.exited)
	defer close(w.events)
	for {
		var ev storage.Event
		select {
		case e, ok := <-w.inner.Events():
			if !ok {
				return
			}
			ev = e
		case <-w.progress:
			// Claims progress without regard to what is still to be delivered.
			rev, err := w.m.Store.CurrentRevision(context.Background())
			if err != nil {
				return
			}
			ev = storage.Event{Type: storage.EventProgress, Revision: rev}
		case <-w.stop:
			return
		}
		if ev.Type != storage.EventProgress {
			if w.m.bug == "watch-drops-prevvalue" {
				ev.PrevValue = nil
			}
			if w.m.bug == "watch-skips-one" && ev.Revision == 12345 {
				continue
			}
		}
		select {
		case w.events <- ev:
		case <-w.stop:
			return
		}
	}
}

func (w *mutantWatcher) Events() <-chan storage.Event { return w.events }

func (w *mutantWatcher) Err() error { return w.inner.Err() }

func (w *mutantWatcher) RequestProgress() {
	if w.m.bug != "progress-too-early" {
		w.inner.RequestProgress()
		return
	}
	select {
	case w.progress <- struct{}{}:
	default:
	}
}

func (w *mutantWatcher) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	w.inner.Stop()
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		panic("mutant watcher did not stop")
	}
}
