package storagebench

import (
	"errors"
	"flag"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
)

// TestBenchBodies runs every load once, on tiny sizes, against the in-memory store and
// the Pebble store, and checks what it did to the store; then it runs each exported body
// as a benchmark of one iteration and checks the metrics bench.sh reads. It starts no
// etcd: `make test` stays fast and needs nothing installed.
func TestBenchBodies(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) storage.Interface
	}{
		{"memory", func(t *testing.T) storage.Interface {
			s := memory.New(memory.Config{})
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"pebble", func(t *testing.T) storage.Interface {
			s, closeFn, err := openPebble(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := closeFn(); err != nil {
					t.Error(err)
				}
			})
			return s
		}},
	}
	for _, st := range stores {
		t.Run(st.name+"/loads", func(t *testing.T) { testLoads(t, st.open(t)) })
		t.Run(st.name+"/bodies", func(t *testing.T) { testBodies(t, st.open(t)) })
	}
}

func testLoads(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	k := storeKV{s}

	// Two create runs on the same store: the second must pick fresh keys.
	for _, run := range []struct{ writers, n, total int }{{3, 20, 20}, {4, 10, 30}} {
		if _, err := createLoad(ctx, noStopwatch{}, k, run.writers, run.n); err != nil {
			t.Fatalf("create %d with %d writers: %v", run.n, run.writers, err)
		}
		if got, err := k.count(ctx, createPrefix); err != nil || got != run.total {
			t.Fatalf("after creating, %s holds %d keys (err %v), want %d", createPrefix, got, err, run.total)
		}
	}
	// The second run's last writer (of 4, shares 3,3,2,2) wrote indexes 28 and 29.
	kv, err := s.Get(ctx, "/registry/bench/3/29", 0)
	if err != nil {
		t.Fatalf("the last key of the second create run: %v", err)
	}
	if len(kv.Value) != valueSize {
		t.Errorf("created value has %d bytes, want %d", len(kv.Value), valueSize)
	}

	for range 2 { // the second run reuses the keys of the first
		if err := getLoad(ctx, noStopwatch{}, k, 5, 12); err != nil {
			t.Fatalf("get: %v", err)
		}
	}
	if got, err := k.count(ctx, getPrefix); err != nil || got != 5 {
		t.Fatalf("%s holds %d keys (err %v), want 5", getPrefix, got, err)
	}

	if err := listLoad(ctx, noStopwatch{}, k, 30, 2); err != nil {
		t.Fatalf("list: %v", err)
	}
	if err := listLoad(ctx, noStopwatch{}, k, 31, 1); err == nil {
		t.Fatal("a list load of 31 keys ran on a store holding 30 of them")
	}

	for _, n := range []int{6, 3} { // again on the same store: fresh keys, new watches
		lat, err := watchLoad(ctx, noStopwatch{}, k, 4, n)
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		if len(lat) != 4*n {
			t.Fatalf("watch load returned %d latencies, want %d", len(lat), 4*n)
		}
		for _, d := range lat {
			if d < 0 || d > deliveryTimeout {
				t.Fatalf("delivery latency %v is outside [0, %v]", d, deliveryTimeout)
			}
		}
	}
	if got, err := k.count(ctx, watchPrefix); err != nil || got != 9 {
		t.Fatalf("%s holds %d keys (err %v), want 9", watchPrefix, got, err)
	}
}

func testBodies(t *testing.T, s storage.Interface) {
	// A benchmark run by testing.Benchmark takes its length from -test.benchtime; one
	// iteration is all this test needs. Restored for whatever runs next.
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("1x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bt.Value.Set(old) })

	bodies := []struct {
		name    string
		body    func(b *testing.B)
		metrics []string
	}{
		{"create", func(b *testing.B) { Create(b, s, 8) }, []string{"creates/s"}},
		{"get", func(b *testing.B) { Get(b, s, 10) }, nil},
		{"list", func(b *testing.B) { List(b, s, 20) }, nil},
		{"watch", func(b *testing.B) { WatchFanout(b, s, 5) }, []string{"p50-µs", "p99-µs"}},
	}
	for _, c := range bodies {
		r := testing.Benchmark(c.body)
		// testing.Benchmark keeps a failed body's message to itself; the loads tests
		// above say why.
		if r.N != 1 {
			t.Errorf("%s: ran %d iterations, want 1 (a failed body runs none)", c.name, r.N)
			continue
		}
		for _, m := range c.metrics {
			if v, ok := r.Extra[m]; !ok || v <= 0 {
				t.Errorf("%s: metric %q = %v (reported: %v), want > 0", c.name, m, v, ok)
			}
		}
		if c.name == "watch" && r.Extra["p99-µs"] < r.Extra["p50-µs"] {
			t.Errorf("watch: p99 %v µs below p50 %v µs", r.Extra["p99-µs"], r.Extra["p50-µs"])
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p50 of 100", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p100", ms(1, 5, 9), 1, 9 * time.Millisecond},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: percentile(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

// The create load must fail, not hang or succeed, when the store refuses a write.
func TestCreateLoadReportsErrors(t *testing.T) {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { _ = s.Close() })
	k := storeKV{s}
	// A key the next run will want: /registry/bench/0/1 is index 1 of writer 0 when the
	// prefix already holds one key.
	if _, err := s.Create(t.Context(), "/registry/bench/0/1", []byte("x"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := createLoad(t.Context(), noStopwatch{}, k, 2, 10)
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("create over an existing key: err = %v, want one matching storage.ErrExists", err)
	}
}
