package apiserver

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// goroutineID is the running goroutine's number, from its stack header; tests only.
func goroutineID() int {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := bytes.Fields(buf) // "goroutine 123 [running]: ..."
	id, _ := strconv.Atoi(string(f[1]))
	return id
}

// Requests in flight each get a goroutine at once: none waits behind another.
func TestWorkersNeverQueue(t *testing.T) {
	w := newWorkers(50 * time.Millisecond)
	const n = 20
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	var done sync.WaitGroup
	done.Add(n)
	for range n {
		w.run(func() {
			defer done.Done()
			started.Done()
			<-release // every task holds its goroutine until all have started
		})
	}
	waited := make(chan struct{})
	go func() { started.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the tasks did not all run at once")
	}
	close(release)
	done.Wait()
	waitWorkersEnded(t)
}

// waitWorkersEnded waits until every request goroutine has ended, as they do once idle.
func waitWorkersEnded(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		if !bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("(*workers).work")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("idle request goroutines did not end")
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

// A goroutine that finished a request takes the next one (its grown stack is the
// point), and it ends once no request came for the idle time.
func TestWorkersReuseThenEnd(t *testing.T) {
	w := newWorkers(200 * time.Millisecond)
	ids := make(chan int, 1)
	record := func() { ids <- goroutineID() }
	w.run(record)
	first := <-ids
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The first goroutine parks a moment after sending its ID; until it does, a
		// request starts a goroutine of its own.
		w.run(record)
		if <-ids == first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no request ran on the goroutine of an earlier one")
		}
	}
	waitWorkersEnded(t)
}
