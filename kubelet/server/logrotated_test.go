package server

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// A follow goes on in the new file after the agent rotated the log (kubelet/logs
// renames it, the runtime reopens one at the same path), after what the runtime
// wrote to the old file in between.
func TestLogReaderFollowsAcrossARotation(t *testing.T) {
	path := writeLog(t, criLine(0, "stdout", "F", "one"))
	old, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var running atomic.Bool
	running.Store(true)
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		lr := logReader{opts: LogOptions{Follow: true, TailLines: -1}, running: running.Load, poll: 5 * time.Millisecond}
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
	waitFor("one\n")

	// The rotation: the file is renamed, the runtime still writes a line to it, then
	// reopens a new file at the path and writes there.
	if err := os.Rename(path, path+".20261126-100000"); err != nil {
		t.Fatal(err)
	}
	old.WriteString(criLine(1, "stdout", "F", "two"))
	if err := os.WriteFile(path, []byte(criLine(2, "stdout", "F", "three")), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("one\ntwo\nthree\n")
	cur, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	cur.WriteString(criLine(3, "stdout", "F", "four"))
	waitFor("one\ntwo\nthree\nfour\n")

	running.Store(false)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("follow: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end after the container stopped")
	}
}
