package pebble

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"kite/storage"
)

func TestOpenRefusesForeignOrDamagedData(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"files that are not a database", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "notes.txt"), "hello")
		}},
		{"a Pebble database of someone else", func(t *testing.T, dir string) {
			db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Set([]byte("user-key"), []byte("x"), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"a newer store format", func(t *testing.T, dir string) {
			s := mustOpen(t, dir)
			if err := s.db.Set(keyFormat, []byte("kite-store/99"), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"a damaged manifest", func(t *testing.T, dir string) {
			s := mustOpen(t, dir)
			if _, err := s.Create(ctx, "/k", []byte("v"), storage.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			manifests, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
			if len(manifests) == 0 {
				t.Fatal("no manifest to damage")
			}
			for _, m := range manifests {
				writeFile(t, m, strings.Repeat("\xde\xad\xbe\xef", 64))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(t, dir)
			s, err := Open(ctx, Config{Dir: dir})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("error %v does not match storage.ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the directory", err)
			}
		})
	}
}

func TestOpenEmptyDirAndReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "db")
	s := mustOpen(t, dir)
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("fresh store stats %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if _, err := s.Create(context.Background(), "/k", nil, storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func mustOpen(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
