package storagetest

import (
	"testing"

	"kite/storage"
)

func testClose(t *testing.T, newStore Factory) {
	s := newStore(t)
	mustCreate(t, s, "/z/a", "a")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	for name, op := range map[string]func() error{
		"Get":  func() error { _, err := s.Get(ctx, "/z/a", 0); return err },
		"List": func() error { _, err := s.List(ctx, storage.ListOptions{}); return err },
		"Create": func() error {
			_, err := s.Create(ctx, "/z/b", []byte("b"), storage.WriteOptions{})
			return err
		},
		"Update": func() error {
			_, err := s.Update(ctx, "/z/a", []byte("a2"), 1, storage.WriteOptions{})
			return err
		},
		"Delete":          func() error { _, _, err := s.Delete(ctx, "/z/a", 0); return err },
		"Watch":           func() error { _, err := s.Watch(ctx, "/z/", 0); return err },
		"Compact":         func() error { return s.Compact(ctx, 1) },
		"CurrentRevision": func() error { _, err := s.CurrentRevision(ctx); return err },
	} {
		wantErr(t, name+" after Close", op(), storage.ErrClosed)
	}
	// A second Close (the factory's cleanup makes one too) may report an error but
	// must not panic or hang.
	_ = s.Close()
}
