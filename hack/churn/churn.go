package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"kite/storage"
	"kite/storage/pebble"
)

// keyPrefix holds the churned keys.
const keyPrefix = "/registry/churn/"

// Config is one churn run; parseFlags fills it from the command line.
type Config struct {
	// Dir is the store's directory; empty means a temporary one, removed at the end.
	Dir string
	// Keys is how many keys are rewritten round-robin; ValueSize the size of each value.
	Keys      int
	ValueSize int
	// Writers is the number of concurrent writers; each owns every Writers-th key.
	Writers int
	// Duration is how long to churn.
	Duration time.Duration
	// History and CompactInterval configure the store's background compaction
	// (CompactInterval 0: the store's default).
	History         time.Duration
	CompactInterval time.Duration
	// Report is the interval between size samples.
	Report time.Duration
}

func (c Config) validate() error {
	switch {
	case c.Keys < 1:
		return fmt.Errorf("-keys %d: want at least 1", c.Keys)
	case c.ValueSize < 1:
		return fmt.Errorf("-value %d: want at least 1", c.ValueSize)
	case c.Writers < 1:
		return fmt.Errorf("-writers %d: want at least 1", c.Writers)
	case c.Duration <= 0, c.History <= 0, c.Report <= 0:
		return errors.New("-duration, -history and -report must be positive")
	case c.CompactInterval < 0:
		return errors.New("-compact-interval must not be negative")
	}
	return nil
}

// sample is one line of the report.
type sample struct {
	elapsed  time.Duration
	writes   int64
	revision int64
	size     int64
}

// run churns a Pebble store as cfg says, printing a sample every cfg.Report and the
// verdict at the end to out. It stops early, still judging, when ctx ends.
func run(ctx context.Context, cfg Config, out io.Writer) (err error) {
	if err := cfg.validate(); err != nil {
		return err
	}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kite-churn-"); err != nil {
			return err
		}
		defer func() {
			if rmErr := os.RemoveAll(dir); err == nil {
				err = rmErr
			}
		}()
	}
	s, err := pebble.Open(ctx, pebble.Config{
		Dir:              dir,
		HistoryRetention: cfg.History,
		CompactInterval:  cfg.CompactInterval,
	})
	if err != nil {
		return err
	}
	defer func() {
		if closeErr := s.Close(); err == nil {
			err = closeErr
		}
	}()
	fmt.Fprintf(out, "churn: %d keys of %d B rewritten by %d writers for %v, history %v, compaction every %s, in %s\n",
		cfg.Keys, cfg.ValueSize, cfg.Writers, cfg.Duration, cfg.History, intervalName(cfg.CompactInterval), dir)

	samples, err := churn(ctx, cfg, s, func() (int64, error) { return dirSize(dir) }, out)
	if err != nil {
		return err
	}
	sizes := make([]int64, len(samples))
	for i, smp := range samples {
		sizes[i] = smp.size
	}
	fmt.Fprintln(out, judge(sizes))
	return nil
}

func intervalName(d time.Duration) string {
	if d == 0 {
		return "(store default)"
	}
	return d.String()
}

// churn rewrites cfg.Keys keys on s for cfg.Duration, sampling size() every cfg.Report,
// printing each sample to out, and returns the samples.
func churn(ctx context.Context, cfg Config, s storage.Interface, size func() (int64, error), out io.Writer) ([]sample, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var (
		writes   atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		writeErr error
	)
	for w := range min(cfg.Writers, cfg.Keys) {
		wg.Go(func() {
			if err := rewrite(ctx, cfg, s, w, &writes); err != nil {
				errOnce.Do(func() { writeErr = err; cancel() })
			}
		})
	}

	start := time.Now()
	tick := time.NewTicker(cfg.Report)
	defer tick.Stop()
	var samples []sample
	fmt.Fprintf(out, "%-10s %12s %12s %12s\n", "elapsed", "writes", "revision", "size")
	takeSample := func() error {
		// Revision and size are read outside the writers' context: the last sample is
		// taken after it ended.
		rev, err := s.CurrentRevision(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("current revision: %w", err)
		}
		n, err := size()
		if err != nil {
			return err
		}
		smp := sample{elapsed: time.Since(start).Round(100 * time.Millisecond), writes: writes.Load(), revision: rev, size: n}
		samples = append(samples, smp)
		fmt.Fprintf(out, "%-10v %12d %12d %12s\n", smp.elapsed, smp.writes, smp.revision, mib(smp.size))
		return nil
	}
	sampleErr := func() error {
		for {
			select {
			case <-ctx.Done():
				if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return nil // cut short by an error or an interrupt
				}
				// Sample the end of the run, unless a tick just did.
				if n := len(samples); n > 0 && time.Since(start)-samples[n-1].elapsed < cfg.Report/2 {
					return nil
				}
				return takeSample()
			case <-tick.C:
				if err := takeSample(); err != nil {
					return err
				}
			}
		}
	}()
	cancel()
	wg.Wait()
	if err := errors.Join(writeErr, sampleErr); err != nil {
		return samples, err
	}
	return samples, nil
}

// rewrite is one writer: it owns the keys w, w+Writers, w+2·Writers, … and updates them
// round-robin, each with the revision its previous write returned, until ctx ends. The
// first pass creates the keys, or learns their revisions when the directory already
// holds them.
func rewrite(ctx context.Context, cfg Config, s storage.Interface, w int, writes *atomic.Int64) error {
	var owned []string
	for i := w; i < cfg.Keys; i += cfg.Writers {
		owned = append(owned, fmt.Sprintf("%s%06d", keyPrefix, i))
	}
	if len(owned) == 0 {
		return nil
	}
	revs := make([]int64, len(owned))
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(w))
	src := rand.NewChaCha8(seed)
	value := func() []byte {
		b := make([]byte, cfg.ValueSize) // fresh: the store may keep it
		_, _ = src.Read(b)
		return b
	}
	for {
		for i, key := range owned {
			var (
				kv  *storage.KeyValue
				err error
			)
			if revs[i] == 0 {
				kv, err = s.Create(ctx, key, value(), storage.WriteOptions{})
				if errors.Is(err, storage.ErrExists) {
					kv, err = s.Get(ctx, key, 0)
					if err == nil {
						revs[i] = kv.ModRevision
						continue
					}
				}
			} else {
				kv, err = s.Update(ctx, key, value(), revs[i], storage.WriteOptions{})
			}
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", key, err)
			}
			revs[i] = kv.ModRevision
			writes.Add(1)
		}
	}
}
