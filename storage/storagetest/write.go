package storagetest

import (
	"context"
	"errors"
	"testing"

	"kite/storage"
)

func testRevisions(t *testing.T, newStore Factory) {
	t.Run("FreshStoreIsEmptyAtZero", func(t *testing.T) {
		s := newStore(t)
		wantRevision(t, s, 0)
		_, err := s.Get(t.Context(), "/r/a", 0)
		wantErr(t, "Get on a fresh store", err, storage.ErrNotFound)
		res := mustList(t, s, storage.ListOptions{})
		if len(res.Items) != 0 || res.Revision != 0 || res.Remaining != 0 {
			t.Fatalf("List on a fresh store = %s rev %d remaining %d, want nothing at 0",
				fmtKVs(res.Items), res.Revision, res.Remaining)
		}
	})

	t.Run("EachWriteTakesOneFailedWritesNone", func(t *testing.T) {
		s := newStore(t)
		create := func(key, value string) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.Create(ctx, key, []byte(value), storage.WriteOptions{})
				return err
			}
		}
		update := func(key, value string, rev int64) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.Update(ctx, key, []byte(value), rev, storage.WriteOptions{})
				return err
			}
		}
		del := func(key string, rev int64) func(context.Context) error {
			return func(ctx context.Context) error {
				_, _, err := s.Delete(ctx, key, rev)
				return err
			}
		}
		steps := []struct {
			name string
			do   func(context.Context) error
			err  error // class of the expected error, nil for success
			rev  int64 // current revision afterwards
		}{
			{"create a", create("/r/a", "a1"), nil, 1},
			{"create a again", create("/r/a", "x"), storage.ErrExists, 1},
			{"create b", create("/r/b", "b1"), nil, 2},
			{"update a", update("/r/a", "a2", 1), nil, 3},
			{"update a at a stale revision", update("/r/a", "x", 1), storage.ErrConflict, 3},
			{"update a at a future revision", update("/r/a", "x", 9), storage.ErrConflict, 3},
			{"update a missing key", update("/r/z", "x", 1), storage.ErrNotFound, 3},
			{"delete a missing key", del("/r/z", 0), storage.ErrNotFound, 3},
			{"delete a at a stale revision", del("/r/a", 1), storage.ErrConflict, 3},
			{"delete a", del("/r/a", 3), nil, 4},
			{"update deleted a", update("/r/a", "x", 3), storage.ErrNotFound, 4},
			{"delete deleted a", del("/r/a", 0), storage.ErrNotFound, 4},
			{"delete b unconditionally", del("/r/b", 0), nil, 5},
			{"create a anew", create("/r/a", "a3"), nil, 6},
		}
		for _, st := range steps {
			wantErr(t, st.name, st.do(t.Context()), st.err)
			got, err := s.CurrentRevision(t.Context())
			if err != nil || got != st.rev {
				t.Fatalf("after %s: CurrentRevision = %d, %v; want %d", st.name, got, err, st.rev)
			}
		}
	})

	t.Run("WritesReturnTheStoredObject", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/r/other", "o") // so that revisions and create revisions differ

		created := mustCreate(t, s, "/r/a", "a1")
		wantKV(t, "Create", created, kv("/r/a", "a1", 2, 2))
		if !created.ExpiresAt.IsZero() {
			t.Fatalf("Create without TTL: ExpiresAt = %v, want zero", created.ExpiresAt)
		}
		wantKV(t, "Get after Create", mustGet(t, s, "/r/a", 0), created)

		updated := mustUpdate(t, s, "/r/a", "a2", 2)
		wantKV(t, "Update", updated, kv("/r/a", "a2", 2, 3))
		wantKV(t, "Get after Update", mustGet(t, s, "/r/a", 0), updated)

		deleted, rev := mustDelete(t, s, "/r/a", 3)
		wantKV(t, "Delete's deleted object", deleted, updated)
		if rev != 4 {
			t.Fatalf("Delete revision = %d, want 4", rev)
		}
		_, err := s.Get(t.Context(), "/r/a", 0)
		wantErr(t, "Get after Delete", err, storage.ErrNotFound)

		recreated := mustCreate(t, s, "/r/a", "a3")
		wantKV(t, "Create after Delete", recreated, kv("/r/a", "a3", 5, 5))
		wantKV(t, "Get after re-Create", mustGet(t, s, "/r/a", 0), recreated)
	})
}

func testConflicts(t *testing.T, newStore Factory) {
	// setup leaves /c/a at revision 3 with value a2, created at 2.
	setup := func(t *testing.T) storage.Interface {
		s := newStore(t)
		mustCreate(t, s, "/c/other", "o")
		mustCreate(t, s, "/c/a", "a1")
		mustUpdate(t, s, "/c/a", "a2", 2)
		return s
	}
	current := kv("/c/a", "a2", 2, 3)

	for _, tc := range []struct {
		name     string
		expected int64
		write    func(ctx context.Context, s storage.Interface, rev int64) error
	}{
		{"UpdateStale", 2, func(ctx context.Context, s storage.Interface, rev int64) error {
			_, err := s.Update(ctx, "/c/a", []byte("x"), rev, storage.WriteOptions{})
			return err
		}},
		{"UpdateFuture", 4, func(ctx context.Context, s storage.Interface, rev int64) error {
			_, err := s.Update(ctx, "/c/a", []byte("x"), rev, storage.WriteOptions{})
			return err
		}},
		// Only Delete treats expectedRev 0 as "unconditional"; no version has ModRevision
		// 0, so an Update expecting it conflicts.
		{"UpdateZero", 0, func(ctx context.Context, s storage.Interface, rev int64) error {
			_, err := s.Update(ctx, "/c/a", []byte("x"), rev, storage.WriteOptions{})
			return err
		}},
		{"DeleteStale", 2, func(ctx context.Context, s storage.Interface, rev int64) error {
			_, _, err := s.Delete(ctx, "/c/a", rev)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			err := tc.write(t.Context(), s, tc.expected)
			wantErr(t, "write at the wrong revision", err, storage.ErrConflict)
			var ce *storage.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *storage.ConflictError", err, err)
			}
			if ce.Key != "/c/a" || ce.ExpectedRev != tc.expected {
				t.Fatalf("ConflictError names key %q expected %d, want %q expected %d",
					ce.Key, ce.ExpectedRev, "/c/a", tc.expected)
			}
			wantKV(t, "ConflictError.Current", ce.Current, current)
			wantKV(t, "Get after the conflict", mustGet(t, s, "/c/a", 0), current)
			wantRevision(t, s, 3)
		})
	}

	t.Run("RetryWithCurrentSucceeds", func(t *testing.T) {
		s := setup(t)
		_, err := s.Update(t.Context(), "/c/a", []byte("x"), 2, storage.WriteOptions{})
		var ce *storage.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("Update at a stale revision: error %v, want a *storage.ConflictError", err)
		}
		got := mustUpdate(t, s, "/c/a", "a3", ce.Current.ModRevision)
		wantKV(t, "Update at ConflictError.Current's revision", got, kv("/c/a", "a3", 2, 4))
	})

	t.Run("DeleteUnconditional", func(t *testing.T) {
		s := setup(t)
		deleted, rev := mustDelete(t, s, "/c/a", 0)
		wantKV(t, "deleted object", deleted, current)
		if rev != 4 {
			t.Fatalf("Delete revision = %d, want 4", rev)
		}
		wantRevision(t, s, 4)
	})

	t.Run("RecreateGetsNewCreateRevision", func(t *testing.T) {
		s := setup(t)
		mustDelete(t, s, "/c/a", 3)
		got := mustCreate(t, s, "/c/a", "b1")
		wantKV(t, "re-Create", got, kv("/c/a", "b1", 5, 5))
		// A revision of the old incarnation does not match the new one.
		_, err := s.Update(t.Context(), "/c/a", []byte("x"), 3, storage.WriteOptions{})
		wantErr(t, "Update at the old incarnation's revision", err, storage.ErrConflict)
		got = mustUpdate(t, s, "/c/a", "b2", 5)
		wantKV(t, "Update of the new incarnation", got, kv("/c/a", "b2", 5, 6))
	})
}
