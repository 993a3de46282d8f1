package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// TestServerInProcess runs `kite server` in the test process on a free port, checks its
// start-up report and that the kubeconfig it writes reaches it, then stops it the way
// a signal does and checks it shut down cleanly.
func TestServerInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kite-data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"server", "--data-dir", dir, "--bind-address", "127.0.0.1",
			"--secure-port", "0", "--tls-san", "kite.test", "--disable-agent"}, &stdout, &stderr, time.Now())
	}()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "kite: ready in") {
		select {
		case code := <-exited:
			t.Fatalf("server exited %d before it was ready:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 10s:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	out := stderr.String()
	for _, want := range []string{
		"kite: data dir " + dir + " ready (lock held) in ",
		"kite: certificates generated in ",
		"kite: store opened (0 keys, rev 0) in ",
		"kite: serving on https://127.0.0.1:",
		"Use: kubectl --kubeconfig " + filepath.Join(dir, "kubeconfig") + " get namespaces",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up report lacks %q:\n%s", want, out)
		}
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(restCfg.Host, "https://")
	if h, _, _ := net.SplitHostPort(host); h != "127.0.0.1" {
		t.Errorf("kubeconfig server = %s, want 127.0.0.1 and the chosen port", restCfg.Host)
	}
	client, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(restCfg.Host + "/readyz/etcd")
	if err != nil {
		t.Fatalf("GET /readyz/etcd with the kubeconfig: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	client.CloseIdleConnections()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("GET /readyz/etcd (admin only) = %d %q, want 200 ok", resp.StatusCode, body)
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("server exited %d after shutdown, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop within 20s")
	}
	if !strings.HasSuffix(stderr.String(), "kite: stopped\n") {
		t.Errorf("stderr does not end with the stop report:\n%s", stderr.String())
	}
	// The lock is released: the lock file no longer names a process.
	if b, err := os.ReadFile(filepath.Join(dir, "kite.lock")); err != nil || len(b) != 0 {
		t.Errorf("lock file after stop = %q, %v; want it empty", b, err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		300 * time.Microsecond:  "<1ms",
		12 * time.Millisecond:   "12ms",
		1254 * time.Millisecond: "1.25s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestServingSANsAndClientHost(t *testing.T) {
	for _, tc := range []struct {
		bind string
		host string
		sans []string
	}{
		{"0.0.0.0", "127.0.0.1", []string{"a.test"}},
		{"::", "127.0.0.1", []string{"a.test"}},
		{"127.0.0.2", "127.0.0.2", []string{"a.test", "127.0.0.2"}},
		{"::1", "::1", []string{"a.test", "::1"}},
	} {
		o := serverOptions{bindAddress: net.ParseIP(tc.bind), tlsSANs: []string{"a.test"}}
		if got := clientHost(o.bindAddress); got != tc.host {
			t.Errorf("clientHost(%s) = %s, want %s", tc.bind, got, tc.host)
		}
		want := tc.sans
		if a := advertiseAddress(o.bindAddress); o.bindAddress.IsUnspecified() && a != nil {
			// On all interfaces, the host's address too: agents join there.
			want = append(want, a.String())
		}
		if got := servingSANs(o); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("servingSANs(bind %s) = %v, want %v", tc.bind, got, want)
		}
	}
}
