package server

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var logT0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// criLine is one line of a CRI log file written at logT0 plus sec seconds.
func criLine(sec int, stream, tag, msg string) string {
	return fmt.Sprintf("%s %s %s %s\n", logT0.Add(time.Duration(sec)*time.Second).Format(time.RFC3339Nano), stream, tag, msg)
}

func writeLog(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readAll(t *testing.T, path string, opts LogOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := (logReader{opts: opts}).copy(context.Background(), path, &b); err != nil {
		t.Fatalf("copy: %v", err)
	}
	return b.String()
}

func TestLogReaderOptions(t *testing.T) {
	path := writeLog(t,
		criLine(0, "stdout", "F", "one"),
		criLine(1, "stderr", "F", "two"),
		criLine(2, "stdout", "P", "thr"),
		criLine(2, "stdout", "F", "ee"),
		"garbage that is skipped\n",
		criLine(3, "stdout", "F", "four"),
		criLine(4, "stdout", "F", "five"),
	)
	noTail := LogOptions{TailLines: -1}
	for name, tc := range map[string]struct {
		opts LogOptions
		want string
	}{
		"everything, partial lines joined": {noTail, "one\ntwo\nthree\nfour\nfive\n"},
		"tail 2":                           {LogOptions{TailLines: 2}, "four\nfive\n"},
		"tail 0":                           {LogOptions{TailLines: 0}, ""},
		"tail beyond the start":            {LogOptions{TailLines: 50}, "one\ntwo\nthree\nfour\nfive\n"},
		"since":                            {LogOptions{TailLines: -1, Since: logT0.Add(3 * time.Second)}, "four\nfive\n"},
		"tail first, then since":           {LogOptions{TailLines: 3, Since: logT0.Add(4 * time.Second)}, "five\n"},
		"limit bytes cuts mid-line":        {LogOptions{TailLines: -1, LimitBytes: 6}, "one\ntw"},
		"limit bytes beyond the end":       {LogOptions{TailLines: -1, LimitBytes: 1000}, "one\ntwo\nthree\nfour\nfive\n"},
		"timestamps": {LogOptions{TailLines: 2, Timestamps: true},
			"2026-11-26T10:00:03.000000000Z four\n2026-11-26T10:00:04.000000000Z five\n"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := readAll(t, path, tc.opts); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLogReaderMissingFile(t *testing.T) {
	err := (logReader{opts: LogOptions{TailLines: -1}}).copy(context.Background(), filepath.Join(t.TempDir(), "none.log"), &bytes.Buffer{})
	if !os.IsNotExist(err) {
		t.Errorf("err %v, want not-exist", err)
	}
}

// syncBuf is a buffer a follow writes to while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogReaderFollowsUntilTheContainerStops(t *testing.T) {
	path := writeLog(t, criLine(0, "stdout", "F", "old"), criLine(1, "stdout", "F", "last"))
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var running atomic.Bool
	running.Store(true)
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		lr := logReader{opts: LogOptions{Follow: true, TailLines: 1}, running: running.Load, poll: 5 * time.Millisecond}
		done <- lr.copy(context.Background(), path, out)
	}()
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for out.String() != want {
			if time.Now().After(deadline) {
				t.Fatalf("output %q, want %q", out.String(), want)
			}
			time.Sleep(2 * time.Millisecond) // polling a buffer, not synchronising
		}
	}
	waitFor("last\n")
	// A line written in two pieces, the second later, comes out once whole.
	f.WriteString(criLine(2, "stdout", "P", "new "))
	f.WriteString(strings.TrimSuffix(criLine(2, "stdout", "F", "line"), "\n")[:10])
	select {
	case err := <-done:
		t.Fatalf("follow ended early: %v", err)
	default:
	}
	rest := criLine(2, "stdout", "F", "line")[10:]
	f.WriteString(rest)
	waitFor("last\nnew line\n")
	// Once the container has stopped, the rest of the file is sent and the stream ends.
	f.WriteString(criLine(3, "stdout", "F", "bye"))
	running.Store(false)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("follow: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end after the container stopped")
	}
	if got := out.String(); got != "last\nnew line\nbye\n" {
		t.Errorf("output %q", got)
	}
}

func TestLogReaderFollowEndsWithTheClient(t *testing.T) {
	path := writeLog(t, criLine(0, "stdout", "F", "x"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		lr := logReader{opts: LogOptions{Follow: true, TailLines: -1}, running: func() bool { return true }, poll: 5 * time.Millisecond}
		done <- lr.copy(ctx, path, &syncBuf{})
	}()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end with its context")
	}
}

func TestParseLogOptions(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query   string
		want    LogOptions
		wantErr string
	}{
		{query: "", want: LogOptions{TailLines: -1}},
		{query: "follow=true&previous=1&timestamps=true&tailLines=10&limitBytes=100",
			want: LogOptions{Follow: true, Previous: true, Timestamps: true, TailLines: 10, LimitBytes: 100}},
		{query: "sinceSeconds=60", want: LogOptions{TailLines: -1, Since: now.Add(-time.Minute)}},
		{query: "sinceTime=2026-11-26T11:00:00Z", want: LogOptions{TailLines: -1, Since: now.Add(-time.Hour)}},
		{query: "sinceTime=2026-11-26T11:00:00Z&sinceSeconds=5", wantErr: "at most one of sinceTime or sinceSeconds"},
		{query: "tailLines=-1", wantErr: "tailLines"},
		{query: "limitBytes=0", wantErr: "limitBytes"},
		{query: "sinceSeconds=0", wantErr: "sinceSeconds"},
		{query: "follow=maybe", wantErr: "follow"},
		{query: "sinceTime=yesterday", wantErr: "sinceTime"},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := parseLogOptions(q, now)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want one about %s", tc.query, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.query, got, tc.want)
		}
	}
}
