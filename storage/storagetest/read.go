package storagetest

import (
	"fmt"
	"strings"
	"testing"

	"kite/storage"
)

func testGet(t *testing.T, newStore Factory) {
	t.Run("AtRevisions", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/g/a", "a1")    // 1
		mustCreate(t, s, "/g/b", "b1")    // 2
		mustUpdate(t, s, "/g/a", "a2", 1) // 3
		mustDelete(t, s, "/g/a", 3)       // 4
		mustCreate(t, s, "/g/c", "c1")    // 5
		mustCreate(t, s, "/g/a", "a3")    // 6

		for _, tc := range []struct {
			key  string
			rev  int64
			want *storage.KeyValue // nil: ErrNotFound
		}{
			{"/g/a", 1, kv("/g/a", "a1", 1, 1)},
			{"/g/a", 2, kv("/g/a", "a1", 1, 1)},
			{"/g/a", 3, kv("/g/a", "a2", 1, 3)},
			{"/g/a", 4, nil},
			{"/g/a", 5, nil},
			{"/g/a", 6, kv("/g/a", "a3", 6, 6)},
			{"/g/a", 0, kv("/g/a", "a3", 6, 6)},
			{"/g/b", 1, nil},
			{"/g/b", 2, kv("/g/b", "b1", 2, 2)},
			{"/g/b", 6, kv("/g/b", "b1", 2, 2)},
			{"/g/c", 4, nil},
			{"/g/c", 5, kv("/g/c", "c1", 5, 5)},
			{"/g/c", 0, kv("/g/c", "c1", 5, 5)},
			{"/g/d", 3, nil},
			{"/g/d", 0, nil},
		} {
			what := fmt.Sprintf("Get(%q, rev %d)", tc.key, tc.rev)
			got, err := s.Get(t.Context(), tc.key, tc.rev)
			if tc.want == nil {
				wantErr(t, what, err, storage.ErrNotFound)
				continue
			}
			wantErr(t, what, err, nil)
			wantKV(t, what, got, tc.want)
		}
	})

	t.Run("FutureRevision", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(t.Context(), "/g/a", 1)
		wantErr(t, "Get at 1 on a fresh store", err, storage.ErrFutureRevision)
		mustCreate(t, s, "/g/a", "a1")
		_, err = s.Get(t.Context(), "/g/a", 2)
		wantErr(t, "Get at 2 when current is 1", err, storage.ErrFutureRevision)
	})
}

// listKeys are chosen so that byte order differs from other plausible orders:
// numeric ("/l/a/9" < "/l/a/10"), case-insensitive ("/l/a/a" < "/l/a/B"), and
// rune order over invalid UTF-8 ("\xff" is not a rune but sorts last as a byte).
var listKeys = []string{
	"/l/a", "/l/a/", "/l/a/1", "/l/a/10", "/l/a/9", "/l/a/B", "/l/a/a", "/l/a/\u00e9",
	"/l/a/\xff", "/l/ab", "/l/ab/1", "/l/b/1",
}

func testList(t *testing.T, newStore Factory) {
	// setupList creates listKeys, in an order unrelated to byte order, each with a
	// value naming it.
	setupList := func(t *testing.T) storage.Interface {
		s := newStore(t)
		for i := range listKeys {
			key := listKeys[(i*5)%len(listKeys)] // 5 is coprime to 12: a permutation
			mustCreate(t, s, key, "v"+key)
		}
		return s
	}
	itemKeys := func(items []*storage.KeyValue) []string {
		keys := make([]string, len(items))
		for i, item := range items {
			keys[i] = item.Key
		}
		return keys
	}
	wantKeys := func(t *testing.T, what string, got *storage.ListResult, keys []string, remaining, rev int64) {
		t.Helper()
		if fmt.Sprintf("%q", itemKeys(got.Items)) != fmt.Sprintf("%q", keys) ||
			got.Remaining != remaining || got.Revision != rev {
			t.Fatalf("%s = keys %q remaining %d at %d, want keys %q remaining %d at %d",
				what, itemKeys(got.Items), got.Remaining, got.Revision, keys, remaining, rev)
		}
		for _, item := range got.Items {
			if string(item.Value) != "v"+item.Key {
				t.Fatalf("%s: %q has value %q, want %q", what, item.Key, item.Value, "v"+item.Key)
			}
		}
	}
	aKeys := []string{"/l/a/", "/l/a/1", "/l/a/10", "/l/a/9", "/l/a/B", "/l/a/a", "/l/a/\u00e9", "/l/a/\xff"}
	n := int64(len(listKeys))

	t.Run("PrefixAndOrder", func(t *testing.T) {
		s := setupList(t)
		for _, tc := range []struct {
			prefix string
			want   []string
		}{
			{"", listKeys},
			{"/l/", listKeys},
			{"/l/a/", aKeys},
			{"/l/a", append(append([]string{"/l/a"}, aKeys...), "/l/ab", "/l/ab/1")},
			{"/l/ab", []string{"/l/ab", "/l/ab/1"}},
			{"/l/a/1", []string{"/l/a/1", "/l/a/10"}},
			{"/l/b/1", []string{"/l/b/1"}},
			{"/l/c", []string{}},
		} {
			got := mustList(t, s, storage.ListOptions{Prefix: tc.prefix})
			wantKeys(t, fmt.Sprintf("List(prefix %q)", tc.prefix), got, tc.want, 0, n)
		}
	})

	t.Run("LimitAndStartKey", func(t *testing.T) {
		s := setupList(t)
		for _, tc := range []struct {
			start     string
			limit     int64
			want      []string
			remaining int64
		}{
			{"", 3, aKeys[:3], 5},
			{"", 1, aKeys[:1], 7},
			{"", 8, aKeys, 0},
			{"", 100, aKeys, 0},
			{"/l/a/9", 0, aKeys[3:], 0},
			{"/l/a/9", 2, aKeys[3:5], 3},
			{"/l/a/2", 0, aKeys[3:], 0}, // not a key: starts at the next one
			{"/l/a/10\x00", 1, aKeys[3:4], 4},
			{"/l/a/\xff", 5, aKeys[7:], 0},
			{"/l/a/\xff\x00", 0, []string{}, 0},
			{"/l/a/\xff\x00", 2, []string{}, 0},
		} {
			opts := storage.ListOptions{Prefix: "/l/a/", StartKey: tc.start, Limit: tc.limit}
			what := fmt.Sprintf("List(start %q, limit %d)", tc.start, tc.limit)
			wantKeys(t, what, mustList(t, s, opts), tc.want, tc.remaining, n)
		}
	})

	t.Run("Pages", func(t *testing.T) {
		s := setupList(t)
		for limit := int64(1); limit <= n+1; limit++ {
			var got []string
			opts := storage.ListOptions{Prefix: "/l/", Limit: limit}
			for page := 0; ; page++ {
				res := mustList(t, s, opts)
				if page > int(n) {
					t.Fatalf("limit %d: more pages than keys", limit)
				}
				got = append(got, itemKeys(res.Items)...)
				if want := n - int64(len(got)); res.Remaining != want {
					t.Fatalf("limit %d page %d: Remaining = %d, want %d", limit, page, res.Remaining, want)
				}
				if res.Remaining == 0 {
					break
				}
				opts.StartKey = res.Items[len(res.Items)-1].Key + "\x00"
				opts.Revision = res.Revision
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", listKeys) {
				t.Fatalf("limit %d: pages hold %q, want %q", limit, got, listKeys)
			}
		}
	})

	t.Run("PagesAreASnapshot", func(t *testing.T) {
		s := newStore(t)
		var want []*storage.KeyValue
		for i := range 10 {
			want = append(want, mustCreate(t, s, fmt.Sprintf("/p/%02d", i), fmt.Sprintf("v%d", i)))
		}
		first := mustList(t, s, storage.ListOptions{Prefix: "/p/", Limit: 3})
		got := first.Items
		if first.Revision != 10 || first.Remaining != 7 {
			t.Fatalf("first page: revision %d remaining %d, want 10 and 7", first.Revision, first.Remaining)
		}
		opts := storage.ListOptions{Prefix: "/p/", Limit: 3, Revision: first.Revision}
		// Between pages, change keys already read, keys still to read, and the range
		// around them.
		changes := []func(){
			func() { mustUpdate(t, s, "/p/05", "changed", 6) },
			func() { mustDelete(t, s, "/p/07", 0) },
			func() { mustCreate(t, s, "/p/045", "new") },
			func() { mustUpdate(t, s, "/p/01", "changed", 2) },
			func() { mustCreate(t, s, "/p/10", "new") },
			func() { mustDelete(t, s, "/p/09", 0) },
		}
		for page := 0; ; page++ {
			for _, change := range changes[min(2*page, len(changes)):min(2*page+2, len(changes))] {
				change()
			}
			opts.StartKey = got[len(got)-1].Key + "\x00"
			res := mustList(t, s, opts)
			if res.Revision != first.Revision {
				t.Fatalf("page %d read at %d, want %d", page+1, res.Revision, first.Revision)
			}
			got = append(got, res.Items...)
			if res.Remaining != int64(len(want)-len(got)) {
				t.Fatalf("page %d: Remaining = %d, want %d", page+1, res.Remaining, len(want)-len(got))
			}
			if res.Remaining == 0 {
				break
			}
		}
		if fmtKVs(got) != fmtKVs(want) {
			t.Fatalf("pages at revision %d:\n got %s\nwant %s", first.Revision, fmtKVs(got), fmtKVs(want))
		}
		// The newest state has every change (three pages follow the first one, each
		// after two changes).
		now := mustList(t, s, storage.ListOptions{Prefix: "/p/"})
		if len(now.Items) != 10 || now.Revision != 16 {
			t.Fatalf("newest list: %d items at %d, want 10 at 16", len(now.Items), now.Revision)
		}
	})

	t.Run("AtRevisions", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/h/a", "a1")    // 1
		mustCreate(t, s, "/h/b", "b1")    // 2
		mustUpdate(t, s, "/h/a", "a2", 1) // 3
		mustDelete(t, s, "/h/b", 2)       // 4
		mustCreate(t, s, "/h/c", "c1")    // 5
		mustCreate(t, s, "/h/b", "b2")    // 6
		want := [][]*storage.KeyValue{
			1: {kv("/h/a", "a1", 1, 1)},
			2: {kv("/h/a", "a1", 1, 1), kv("/h/b", "b1", 2, 2)},
			3: {kv("/h/a", "a2", 1, 3), kv("/h/b", "b1", 2, 2)},
			4: {kv("/h/a", "a2", 1, 3)},
			5: {kv("/h/a", "a2", 1, 3), kv("/h/c", "c1", 5, 5)},
			6: {kv("/h/a", "a2", 1, 3), kv("/h/b", "b2", 6, 6), kv("/h/c", "c1", 5, 5)},
		}
		for rev := int64(1); rev <= 6; rev++ {
			res := mustList(t, s, storage.ListOptions{Prefix: "/h/", Revision: rev})
			if res.Revision != rev || fmtKVs(res.Items) != fmtKVs(want[rev]) {
				t.Fatalf("List at %d = %s at %d, want %s", rev, fmtKVs(res.Items), res.Revision, fmtKVs(want[rev]))
			}
		}
		res := mustList(t, s, storage.ListOptions{Prefix: "/h/"})
		if res.Revision != 6 || fmtKVs(res.Items) != fmtKVs(want[6]) {
			t.Fatalf("List at 0 = %s at %d, want %s at 6", fmtKVs(res.Items), res.Revision, fmtKVs(want[6]))
		}
		_, err := s.List(t.Context(), storage.ListOptions{Prefix: "/h/", Revision: 7})
		wantErr(t, "List at a future revision", err, storage.ErrFutureRevision)
	})
}

func testValues(t *testing.T, newStore Factory) {
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/v/empty", "")
		if _, err := s.Create(t.Context(), "/v/nil", nil, storage.WriteOptions{}); err != nil {
			t.Fatalf("Create with a nil value: %v", err)
		}
		mustCreate(t, s, "/v/full", "x")
		mustUpdate(t, s, "/v/full", "", 3)
		for _, key := range []string{"/v/empty", "/v/nil", "/v/full"} {
			if got := mustGet(t, s, key, 0); len(got.Value) != 0 {
				t.Fatalf("Get(%q).Value = %q, want empty", key, got.Value)
			}
		}
		res := mustList(t, s, storage.ListOptions{Prefix: "/v/"})
		if len(res.Items) != 3 {
			t.Fatalf("List of empty values = %s, want 3 items", fmtKVs(res.Items))
		}
		_, err := s.Create(t.Context(), "/v/empty", []byte("x"), storage.WriteOptions{})
		wantErr(t, "Create over a key with an empty value", err, storage.ErrExists)
	})

	t.Run("Copied", func(t *testing.T) {
		s := newStore(t)
		in := []byte("abc")
		if _, err := s.Create(t.Context(), "/v/a", in, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		in[0] = 'X'
		want := kv("/v/a", "abc", 1, 1)
		wantKV(t, "Get after changing Create's input", mustGet(t, s, "/v/a", 0), want)

		mustGet(t, s, "/v/a", 0).Value[0] = 'Y'
		wantKV(t, "Get after changing an earlier Get's result", mustGet(t, s, "/v/a", 0), want)

		mustList(t, s, storage.ListOptions{Prefix: "/v/"}).Items[0].Value[0] = 'Z'
		wantKV(t, "Get after changing a List's result", mustGet(t, s, "/v/a", 0), want)

		in = []byte("def")
		got, err := s.Update(t.Context(), "/v/a", in, 1, storage.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in[0] = 'X'
		got.Value[1] = 'X'
		wantKV(t, "Get after changing Update's input and result", mustGet(t, s, "/v/a", 0), kv("/v/a", "def", 1, 2))
		wantKV(t, "Get of the old version", mustGet(t, s, "/v/a", 1), want)

		deleted, _ := mustDelete(t, s, "/v/a", 0)
		deleted.Value[0] = 'X'
		wantKV(t, "Get of the deleted version", mustGet(t, s, "/v/a", 2), kv("/v/a", "def", 1, 2))
	})

	t.Run("Large", func(t *testing.T) {
		s := newStore(t)
		// Objects in Kubernetes go up to about 1.5 MiB.
		big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
		mustCreate(t, s, "/v/big", big)
		if got := mustGet(t, s, "/v/big", 0); string(got.Value) != big {
			t.Fatalf("Get of a 1 MiB value returned %d bytes, not the value written", len(got.Value))
		}
	})
}
