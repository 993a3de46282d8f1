package pebble

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kite/storage"
)

// The crash test: a child process writes with many goroutines and prints each write
// the store acknowledged; the parent kills it with SIGKILL mid-stream, reopens the store
// and checks that every acknowledged write is there at its revision, that revisions are
// gap-free, and that a watch from the start replays exactly the history.

const (
	crashChildEnv = "KITE_CRASH_CHILD_DIR"
	crashWriters  = 16
	crashRounds   = 20
)

type ack struct {
	rev   int64
	del   bool
	key   string
	value string
}

func parseAck(line string) (ack, error) {
	f := strings.Fields(line)
	if len(f) != 5 || f[0] != "ack" {
		return ack{}, fmt.Errorf("bad line %q", line)
	}
	rev, err := strconv.ParseInt(f[1], 10, 64)
	return ack{rev: rev, del: f[2] == "del", key: f[3], value: f[4]}, err
}

func TestCrashKill9(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("KITE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (replay with KITE_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	dir := t.TempDir()
	var acks []ack
	for round := range crashRounds {
		killAfter := 50 + rng.IntN(700)
		got := runAndKill(t, dir, killAfter)
		t.Logf("round %d: killed after %d acks, %d acks read in all", round, killAfter, len(got))
		acks = append(acks, got...)
		verifyCrashStore(t, dir, acks)
	}
}

// runAndKill starts a writer child on dir, SIGKILLs it after killAfter acks and returns
// every ack it printed.
func runAndKill(t *testing.T, dir string, killAfter int) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	var acks []ack
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		a, err := parseAck(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, a)
		if len(acks) == killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines written before the kill are still in the pipe and were read above.
	err = cmd.Wait()
	if !killed {
		t.Fatalf("writer exited before it was killed: %v", err)
	}
	return acks
}

func verifyCrashStore(t *testing.T, dir string, acks []ack) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	cur, _ := s.CurrentRevision(ctx)
	for _, a := range acks {
		if a.rev > cur {
			t.Fatalf("acknowledged revision %d lost: store is at %d", a.rev, cur)
		}
		kv, err := s.Get(ctx, a.key, a.rev)
		switch {
		case a.del && !errors.Is(err, storage.ErrNotFound):
			t.Fatalf("acknowledged delete of %s at %d: got %v, %v", a.key, a.rev, kv, err)
		case !a.del && (err != nil || string(kv.Value) != a.value || kv.ModRevision != a.rev):
			t.Fatalf("acknowledged write of %s=%s at %d: got %+v, %v", a.key, a.value, a.rev, kv, err)
		}
	}
	// Replay the whole history: no gap, each event's previous value is the state the
	// replay built, and the acknowledged writes appear as acknowledged.
	byRev := make(map[int64]ack, len(acks))
	for _, a := range acks {
		byRev[a.rev] = a
	}
	first, err := s.Get(ctx, "/crash/start", 1)
	if err != nil {
		t.Fatalf("first write: %v", err)
	}
	state := map[string]string{first.Key: string(first.Value)}
	w, err := s.Watch(ctx, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for rev := int64(2); rev <= cur; rev++ {
		var ev storage.Event
		select {
		case ev = <-w.Events():
		case <-time.After(10 * time.Second):
			t.Fatalf("replay stalled at revision %d of %d", rev, cur)
		}
		if ev.Revision != rev {
			t.Fatalf("replay: got revision %d, want %d", ev.Revision, rev)
		}
		prev, existed := state[ev.Key]
		if existed != (ev.PrevValue != nil) || string(ev.PrevValue) != prev {
			t.Fatalf("revision %d: previous value %q, replay says %q (existed %v)", rev, ev.PrevValue, prev, existed)
		}
		if ev.Type == storage.EventDelete {
			delete(state, ev.Key)
		} else {
			state[ev.Key] = string(ev.Value)
		}
		if a, ok := byRev[rev]; ok && (a.key != ev.Key || a.del != (ev.Type == storage.EventDelete) || !a.del && a.value != string(ev.Value)) {
			t.Fatalf("revision %d: acknowledged %+v, history has %+v", rev, a, ev)
		}
	}
	list, err := s.List(ctx, storage.ListOptions{Prefix: "/crash/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != len(state) || int64(len(list.Items)) != s.Stats().Keys {
		t.Fatalf("list has %d keys, replay %d, key count %d", len(list.Items), len(state), s.Stats().Keys)
	}
	for _, kv := range list.Items {
		if state[kv.Key] != string(kv.Value) {
			t.Fatalf("%s: list %q, replay %q", kv.Key, kv.Value, state[kv.Key])
		}
	}
}

// crashChild is the writer: it writes until it is killed, printing each acknowledged
// write on stdout with a direct, unbuffered write.
func crashChild(dir string) int {
	ctx := context.Background()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	var mu sync.Mutex
	report := func(rev int64, op, key, value string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, "ack %d %s %s %s\n", rev, op, key, value)
	}
	if kv, err := s.Create(ctx, "/crash/start", []byte("start"), storage.WriteOptions{}); err == nil {
		report(kv.ModRevision, "put", kv.Key, "start")
	}
	pid := os.Getpid()
	var wg sync.WaitGroup
	for g := range crashWriters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(pid), uint64(g)))
			for i := 0; ; i++ {
				key := fmt.Sprintf("/crash/%d/%d", g, rng.IntN(8))
				value := fmt.Sprintf("p%d-g%d-%d", pid, g, i)
				cur, err := s.Get(ctx, key, 0)
				switch {
				case errors.Is(err, storage.ErrNotFound):
					if kv, err := s.Create(ctx, key, []byte(value), storage.WriteOptions{}); err == nil {
						report(kv.ModRevision, "put", key, value)
					}
				case err != nil:
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(1)
				case rng.IntN(4) == 0:
					if _, rev, err := s.Delete(ctx, key, cur.ModRevision); err == nil {
						report(rev, "del", key, "-")
					}
				default:
					if kv, err := s.Update(ctx, key, []byte(value), cur.ModRevision, storage.WriteOptions{}); err == nil {
						report(kv.ModRevision, "put", key, value)
					}
				}
			}
		})
	}
	wg.Wait()
	return 0
}
