package handlers

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll returns the whole body whatever Content-Length announced: exact, shorter,
// longer, absent or beyond the limit, and through readers that return a byte at a
// time; a read error is returned.
func TestReadAllUsesLengthAsHint(t *testing.T) {
	body := strings.Repeat("0123456789", 150)
	for _, tc := range []struct {
		name   string
		length int64
	}{
		{"exact", int64(len(body))},
		{"announced shorter", 10},
		{"announced longer", int64(len(body)) * 3},
		{"unknown", -1},
		{"zero", 0},
		{"beyond the limit", 1 << 40},
	} {
		for _, wrap := range []struct {
			name string
			r    func(io.Reader) io.Reader
		}{
			{"plain", func(r io.Reader) io.Reader { return r }},
			{"one byte", iotest.OneByteReader},
			{"half", iotest.HalfReader},
			{"data and EOF", iotest.DataErrReader},
		} {
			got, err := readAll(wrap.r(strings.NewReader(body)), tc.length, 1<<20)
			if err != nil || string(got) != body {
				t.Errorf("%s, %s reader: %d bytes, %v; want the %d-byte body", tc.name, wrap.name, len(got), err, len(body))
			}
		}
	}
	boom := errors.New("connection reset")
	if _, err := readAll(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)), 10, 1<<20); !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
}

// With an exact Content-Length the body is read into a single allocation.
func TestReadAllOneAllocation(t *testing.T) {
	body := []byte(strings.Repeat("x", 1400))
	r := bytes.NewReader(nil)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(body)
		if _, err := readAll(r, int64(len(body)), 1<<20); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations per read, want 1", allocs)
	}
}
