package storagetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kite/storage"
)

// RunDifferential applies the same seeded random sequence of operations to model and
// subject, two fresh stores, and fails at the first step whose results differ: values,
// revisions, and error classes, including the object a ConflictError carries. A
// watcher on each, started at revision 0, records every change; the two histories are
// compared at the end, as are watches from random old revisions along the way.
//
// The key space is small (48 keys under three nested prefixes) so that conflicts,
// deletes of missing keys and re-creates are frequent. The run uses no TTL and no
// time, so a seed determines it: KITE_STORAGE_SEED, when set, replaces seed, and
// every failure prints the command that replays it.
func RunDifferential(t *testing.T, model, subject storage.Interface, seed int64, ops int) {
	t.Helper()
	if s, ok := envSeed(t); ok {
		seed = s
	}
	t.Logf("differential test: seed %d, %d operations (replay: %s)", seed, ops, replayCommand(t, seed))
	d := &differential{
		t:     t,
		seed:  seed,
		rng:   rand.New(rand.NewPCG(uint64(seed), 0x6b697465)), // "kite"
		model: model, subject: subject,
		outcomes: map[string]int{},
	}
	for i := range 48 {
		d.keys = append(d.keys, fmt.Sprintf("%s%02d", diffPrefixes[i%3], i/3))
	}
	d.start()
	for i := range ops {
		d.step = i
		d.randomOp()
		d.compareRevisions()
	}
	d.finish()
	var counts []string
	for outcome, n := range d.outcomes {
		counts = append(counts, fmt.Sprintf("%s %d", outcome, n))
	}
	slices.Sort(counts)
	t.Logf("outcomes: %s", strings.Join(counts, ", "))
}

// diffPrefixes nest ("/r/a/x/" is inside "/r/a/") so that prefix filtering matters.
var diffPrefixes = []string{"/r/a/", "/r/a/x/", "/r/b/"}

// diffListPrefixes are the prefixes Lists and watches pick from: the key prefixes,
// their parents, partial names, and one that matches nothing.
var diffListPrefixes = []string{"", "/r/", "/r/a", "/r/a/", "/r/a/x/", "/r/b/", "/r/a/0", "/r/a/x/1", "/r/b/15", "/s/"}

// diffStartSuffixes follow a prefix to make a StartKey: existing keys, gaps between
// keys, and points before and after every key.
var diffStartSuffixes = []string{"", "0", "05", "051", "1", "10", "x/", "x/07", "\xff"}

type differential struct {
	t              *testing.T
	seed           int64
	rng            *rand.Rand
	model, subject storage.Interface
	keys           []string
	// step is the index of the operation running; trace describes every one so far.
	step  int
	trace []string
	// compacted is the highest revision compacted to.
	compacted int64
	// history records what the watches started at 0 deliver.
	history [2]*recorder
	// outcomes counts results by operation and class, to show in the log that a run
	// exercised conflicts, compacted reads and the rest, not only the easy paths.
	outcomes map[string]int
}

// count notes the class of an outcome: an error class, or "ok".
func (d *differential) count(what, outcome string) {
	op, _, _ := strings.Cut(what, " ")
	op, _, _ = strings.Cut(op, "(")
	class := "ok"
	for _, c := range []string{"conflict", storage.ErrNotFound.Error(), storage.ErrExists.Error(),
		storage.ErrCompacted.Error(), storage.ErrFutureRevision.Error()} {
		if strings.HasPrefix(outcome, c) {
			class = c
		}
	}
	d.outcomes[op+": "+class]++
}

// start checks that both stores are fresh and starts the history watches.
func (d *differential) start() {
	for _, s := range []storage.Interface{d.model, d.subject} {
		rev, err := s.CurrentRevision(d.t.Context())
		if err != nil || rev != 0 {
			d.t.Fatalf("RunDifferential needs fresh stores: CurrentRevision = %d, %v", rev, err)
		}
	}
	for i, s := range []storage.Interface{d.model, d.subject} {
		w, err := s.Watch(d.t.Context(), "/r/", 0)
		if err != nil {
			d.t.Fatalf("Watch from 0: %v", err)
		}
		d.history[i] = newRecorder(w)
		d.t.Cleanup(d.history[i].stop)
	}
}

func (d *differential) randomOp() {
	switch n := d.rng.IntN(100); {
	case n < 20:
		d.create()
	case n < 40:
		d.update()
	case n < 52:
		d.delete()
	case n < 67:
		d.get()
	case n < 80:
		d.list()
	case n < 87:
		d.listPages()
	case n < 93:
		d.compact()
	default:
		d.watchReplay()
	}
}

// note records what the current step does, for the failure report.
func (d *differential) note(format string, args ...any) {
	d.trace = append(d.trace, fmt.Sprintf("%5d: ", d.step)+fmt.Sprintf(format, args...))
}

func (d *differential) fail(format string, args ...any) {
	d.t.Helper()
	from := max(0, len(d.trace)-30)
	d.t.Fatalf("step %d: %s\n\nseed %d; replay with: %s\nlast operations:\n%s",
		d.step, fmt.Sprintf(format, args...), d.seed, replayCommand(d.t, d.seed),
		strings.Join(d.trace[from:], "\n"))
}

// same fails unless the two stores' renderings of a result agree and the model's is a
// result the contract allows.
func (d *differential) same(what, model, subject string) {
	d.t.Helper()
	d.count(what, model)
	if strings.Contains(model, "unexpected error") {
		d.fail("%s: the model failed: %s", what, model)
	}
	if model != subject {
		d.fail("%s differs:\n  model:   %s\n  subject: %s", what, model, subject)
	}
}

func (d *differential) key() string { return d.keys[d.rng.IntN(len(d.keys))] }

func (d *differential) value() string {
	if d.rng.IntN(10) == 0 {
		return ""
	}
	return fmt.Sprintf("v%d", d.rng.IntN(1000))
}

func (d *differential) current() int64 {
	rev, err := d.model.CurrentRevision(d.t.Context())
	if err != nil {
		d.fail("model CurrentRevision: %v", err)
	}
	return rev
}

// readRev picks a revision to read at: often 0 (the newest), else anything from just
// below the compacted revision to just above the current one, so that ErrCompacted
// and ErrFutureRevision come up too.
func (d *differential) readRev() int64 {
	if d.rng.IntN(4) == 0 {
		return 0
	}
	lo := max(0, d.compacted-2)
	return lo + d.rng.Int64N(d.current()+3-lo)
}

// modRev is the ModRevision of key in the model, 0 when it does not exist.
func (d *differential) modRev(key string) int64 {
	kv, err := d.model.Get(d.t.Context(), key, 0)
	if err != nil {
		return 0
	}
	return kv.ModRevision
}

// expectedRev picks the revision an Update or Delete expects: usually the right one,
// sometimes a stale or an impossible one.
func (d *differential) expectedRev(key string) int64 {
	if rev := d.modRev(key); rev != 0 && d.rng.IntN(4) != 0 {
		return rev
	}
	return d.rng.Int64N(d.current() + 2)
}

func (d *differential) create() {
	key, value := d.key(), d.value()
	d.note("Create(%q, %q)", key, value)
	m, merr := d.model.Create(d.t.Context(), key, []byte(value), storage.WriteOptions{})
	s, serr := d.subject.Create(d.t.Context(), key, []byte(value), storage.WriteOptions{})
	d.same("Create", kvOutcome(m, merr), kvOutcome(s, serr))
}

func (d *differential) update() {
	key, value := d.key(), d.value()
	rev := d.expectedRev(key)
	d.note("Update(%q, %q, rev %d)", key, value, rev)
	m, merr := d.model.Update(d.t.Context(), key, []byte(value), rev, storage.WriteOptions{})
	s, serr := d.subject.Update(d.t.Context(), key, []byte(value), rev, storage.WriteOptions{})
	d.same("Update", kvOutcome(m, merr), kvOutcome(s, serr))
}

func (d *differential) delete() {
	key := d.key()
	var rev int64
	if d.rng.IntN(3) != 0 {
		rev = d.expectedRev(key)
	}
	d.note("Delete(%q, rev %d)", key, rev)
	m, mrev, merr := d.model.Delete(d.t.Context(), key, rev)
	s, srev, serr := d.subject.Delete(d.t.Context(), key, rev)
	d.same("Delete", fmt.Sprintf("%s rev=%d", kvOutcome(m, merr), mrev), fmt.Sprintf("%s rev=%d", kvOutcome(s, serr), srev))
}

func (d *differential) get() {
	key, rev := d.key(), d.readRev()
	d.note("Get(%q, rev %d)", key, rev)
	m, merr := d.model.Get(d.t.Context(), key, rev)
	s, serr := d.subject.Get(d.t.Context(), key, rev)
	d.same("Get", kvOutcome(m, merr), kvOutcome(s, serr))
}

func (d *differential) listOptions() storage.ListOptions {
	opts := storage.ListOptions{Prefix: diffListPrefixes[d.rng.IntN(len(diffListPrefixes))], Revision: d.readRev()}
	if d.rng.IntN(3) == 0 {
		opts.StartKey = opts.Prefix + diffStartSuffixes[d.rng.IntN(len(diffStartSuffixes))]
	}
	if d.rng.IntN(2) == 0 {
		opts.Limit = 1 + d.rng.Int64N(6)
	}
	return opts
}

func (d *differential) list() {
	opts := d.listOptions()
	d.note("List(%s)", fmtListOptions(opts))
	m, merr := d.model.List(d.t.Context(), opts)
	s, serr := d.subject.List(d.t.Context(), opts)
	d.same("List", listOutcome(m, merr), listOutcome(s, serr))
}

// listPages lists page by page as the API server does, each page continuing at the
// first one's revision.
func (d *differential) listPages() {
	opts := d.listOptions()
	opts.Limit = 1 + d.rng.Int64N(4)
	d.note("List pages (%s)", fmtListOptions(opts))
	for page := 0; page <= len(d.keys); page++ {
		m, merr := d.model.List(d.t.Context(), opts)
		s, serr := d.subject.List(d.t.Context(), opts)
		d.same(fmt.Sprintf("List page %d (%s)", page, fmtListOptions(opts)), listOutcome(m, merr), listOutcome(s, serr))
		if merr != nil || m.Remaining == 0 {
			return
		}
		opts.StartKey = m.Items[len(m.Items)-1].Key + "\x00"
		opts.Revision = m.Revision
	}
	d.fail("List pages: more pages than keys")
}

func (d *differential) compact() {
	cur := d.current()
	rev := max(0, d.compacted-1) + d.rng.Int64N(cur-max(0, d.compacted-1)+2)
	d.note("Compact(%d)", rev)
	// The history watchers read all the time, but they must not fall behind a
	// compaction because of scheduling: that would end them with ErrCompacted.
	d.waitHistory(cur)
	merr := d.model.Compact(d.t.Context(), rev)
	serr := d.subject.Compact(d.t.Context(), rev)
	d.same("Compact", errOutcome(merr), errOutcome(serr))
	if merr == nil && rev > d.compacted {
		d.compacted = rev
	}
}

// watchReplay watches both stores from a random revision in or just below the
// retained history, with a random prefix, and compares what they deliver up to now.
func (d *differential) watchReplay() {
	cur := d.current()
	lo := max(0, d.compacted-2)
	from := lo + d.rng.Int64N(cur-lo+1)
	prefix := diffListPrefixes[d.rng.IntN(len(diffListPrefixes))]
	d.note("Watch(%q, from %d) up to %d", prefix, from, cur)
	mw, merr := d.model.Watch(d.t.Context(), prefix, from)
	sw, serr := d.subject.Watch(d.t.Context(), prefix, from)
	for _, w := range []storage.Watcher{mw, sw} {
		if w != nil {
			defer w.Stop()
		}
	}
	d.same("Watch", errOutcome(merr), errOutcome(serr))
	if merr != nil {
		return
	}
	d.same(fmt.Sprintf("Watch(%q, from %d) events", prefix, from), d.replay("model", mw, cur), d.replay("subject", sw, cur))
}

// replay reads w until it reports progress up to rev, and renders what it read.
func (d *differential) replay(name string, w storage.Watcher, rev int64) string {
	d.t.Helper()
	var evs []storage.Event
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	w.RequestProgress()
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				return fmtEvents(evs) + " then ended: " + errOutcome(w.Err())
			}
			if ev.Type != storage.EventProgress {
				evs = append(evs, ev)
				continue
			}
			if ev.Revision >= rev {
				return fmtEvents(evs)
			}
			w.RequestProgress()
		case <-timer.C:
			d.fail("%s watch: no progress to revision %d within %v (got %s)", name, rev, eventTimeout, fmtEvents(evs))
		}
	}
}

// compareRevisions runs after every step: a failed write must not take a revision.
func (d *differential) compareRevisions() {
	m, merr := d.model.CurrentRevision(d.t.Context())
	s, serr := d.subject.CurrentRevision(d.t.Context())
	d.same("CurrentRevision", fmt.Sprintf("%d %s", m, errOutcome(merr)), fmt.Sprintf("%d %s", s, errOutcome(serr)))
}

// waitHistory waits until both history watchers have delivered revision rev.
func (d *differential) waitHistory(rev int64) {
	d.t.Helper()
	deadline := time.Now().Add(eventTimeout)
	for i, name := range []string{"model", "subject"} {
		for {
			last, ended := d.history[i].last()
			if last >= rev {
				break
			}
			if ended {
				d.fail("%s history watch ended at revision %d: %v", name, last, d.history[i].w.Err())
			}
			if time.Now().After(deadline) {
				d.fail("%s history watch stuck at revision %d, want %d", name, last, rev)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// finish compares the final states, the full histories, and one more replay.
func (d *differential) finish() {
	d.step = -1
	cur := d.current()
	d.note("final checks at revision %d", cur)
	opts := storage.ListOptions{}
	m, merr := d.model.List(d.t.Context(), opts)
	s, serr := d.subject.List(d.t.Context(), opts)
	d.same("final List", listOutcome(m, merr), listOutcome(s, serr))

	d.waitHistory(cur)
	var histories [2][]storage.Event
	for i, r := range d.history {
		r.stop()
		histories[i] = r.events
	}
	// Every write was under the watched prefix, so the history holds every revision.
	for i, ev := range histories[0] {
		if ev.Revision != int64(i+1) {
			d.fail("model history: event %d has revision %d: %s", i, ev.Revision, fmtEvent(ev))
		}
	}
	d.same("history of the watches from 0", fmtEvents(histories[0]), fmtEvents(histories[1]))
	d.watchReplay()
}

// recorder keeps every event of a watch, read as fast as they come.
type recorder struct {
	w      storage.Watcher
	done   chan struct{}
	mu     sync.Mutex
	events []storage.Event
}

func newRecorder(w storage.Watcher) *recorder {
	r := &recorder{w: w, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range w.Events() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
		}
	}()
	return r
}

// last returns the revision of the newest event and whether the watch has ended.
func (r *recorder) last() (int64, bool) {
	select {
	case <-r.done:
		return r.lastRev(), true
	default:
		return r.lastRev(), false
	}
}

func (r *recorder) lastRev() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return 0
	}
	return r.events[len(r.events)-1].Revision
}

// stop ends the watch and waits for the reader; afterwards events is stable.
func (r *recorder) stop() {
	r.w.Stop()
	<-r.done
}

// errOutcome renders the class of err, which is all the contract fixes about it.
func errOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var ce *storage.ConflictError
	if errors.As(err, &ce) {
		return fmt.Sprintf("conflict (expected %d, current %s)", ce.ExpectedRev, fmtKV(ce.Current))
	}
	for _, class := range []error{storage.ErrNotFound, storage.ErrExists, storage.ErrConflict,
		storage.ErrCompacted, storage.ErrFutureRevision, storage.ErrClosed, storage.ErrCorrupt} {
		if errors.Is(err, class) {
			return class.Error()
		}
	}
	return "unexpected error: " + err.Error()
}

func kvOutcome(kv *storage.KeyValue, err error) string {
	if err != nil {
		return errOutcome(err)
	}
	return fmtKV(kv)
}

func listOutcome(res *storage.ListResult, err error) string {
	if err != nil {
		return errOutcome(err)
	}
	return fmt.Sprintf("at %d, %d more: %s", res.Revision, res.Remaining, fmtKVs(res.Items))
}

func fmtListOptions(o storage.ListOptions) string {
	return fmt.Sprintf("prefix %q start %q rev %d limit %d", o.Prefix, o.StartKey, o.Revision, o.Limit)
}
