package storagetest

import (
	"errors"
	"testing"
	"time"

	"kite/storage"
)

// ttl is short enough for a fast suite and long enough that a write following
// another one lands before the first one's TTL, even on a loaded machine.
const ttl = 300 * time.Millisecond

// expiryTimeout bounds how long past its TTL a key may live: the factory configures
// a short sweep interval.
const expiryTimeout = 10 * time.Second

func testTTL(t *testing.T, newStore Factory) {
	t.Run("Expires", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/t/keep", "k") // 1
		start := time.Now()
		created, err := s.Create(t.Context(), "/t/a", []byte("a"), storage.WriteOptions{TTL: ttl}) // 2
		if err != nil {
			t.Fatalf("Create with TTL: %v", err)
		}
		end := time.Now()
		if created.ExpiresAt.Before(start.Add(ttl-time.Second)) || created.ExpiresAt.After(end.Add(ttl+time.Second)) {
			t.Fatalf("ExpiresAt = %v, want about %v after the write at %v", created.ExpiresAt, ttl, start)
		}
		wantKV(t, "Get of a key with TTL", mustGet(t, s, "/t/a", 0), created)
		w := mustWatch(t, s, "/t/", created.ModRevision)

		eventually(t, expiryTimeout, "key with TTL deleted", func() bool {
			_, err := s.Get(t.Context(), "/t/a", 0)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("Get: %v", err)
			}
			return err != nil
		})
		if since := time.Since(start); since < ttl {
			t.Fatalf("key deleted after %v, before its TTL of %v", since, ttl)
		}
		wantEvents(t, "watch of an expiry", nextEvents(t, w, 1), []storage.Event{del("/t/a", "a", 3, 2, 2)})
		wantRevision(t, s, 3)
		wantKV(t, "key without TTL", mustGet(t, s, "/t/keep", 0), kv("/t/keep", "k", 1, 1))
	})

	t.Run("UpdateWithoutTTLClearsIt", func(t *testing.T) {
		s := newStore(t)
		mustCreateTTL(t, s, "/t/a", ttl)
		updated := mustUpdate(t, s, "/t/a", "a2", 1)
		since := time.Now()
		if !updated.ExpiresAt.IsZero() {
			t.Fatalf("Update without TTL: ExpiresAt = %v, want zero", updated.ExpiresAt)
		}
		// Check until well past the old TTL; the sleep only paces the polling.
		for time.Since(since) < 3*ttl {
			wantKV(t, "Get after clearing the TTL", mustGet(t, s, "/t/a", 0), kv("/t/a", "a2", 1, 2))
			time.Sleep(ttl / 6)
		}
		wantRevision(t, s, 2)
	})

	t.Run("UpdateWithTTLSetsIt", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/t/a", "a")
		start := time.Now()
		updated, err := s.Update(t.Context(), "/t/a", []byte("a2"), 1, storage.WriteOptions{TTL: ttl})
		if err != nil {
			t.Fatalf("Update with TTL: %v", err)
		}
		if updated.ExpiresAt.Before(start.Add(ttl - time.Second)) {
			t.Fatalf("Update with TTL: ExpiresAt = %v, want about %v after %v", updated.ExpiresAt, ttl, start)
		}
		eventually(t, expiryTimeout, "key deleted after an Update with TTL", func() bool {
			_, err := s.Get(t.Context(), "/t/a", 0)
			return errors.Is(err, storage.ErrNotFound)
		})
		wantRevision(t, s, 3)
	})
}

func mustCreateTTL(t *testing.T, s storage.Interface, key string, ttl time.Duration) *storage.KeyValue {
	t.Helper()
	got, err := s.Create(t.Context(), key, []byte("v"), storage.WriteOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Create(%q, TTL %v): %v", key, ttl, err)
	}
	if got.ExpiresAt.IsZero() {
		t.Fatalf("Create(%q, TTL %v): ExpiresAt is zero", key, ttl)
	}
	return got
}
