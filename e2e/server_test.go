package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/pebble"
)

// The targets, asserted as they are stated: from process start to the first 200
// of /readyz.
const (
	freshReadyLimit   = 2 * time.Second
	restartReadyLimit = 1 * time.Second
	// restartKeys is how many objects the store holds for the restart measurement.
	restartKeys = 2000
)

// TestServerLifecycle follows one data directory through a user's first start, use
// with kubectl, a second server refused, a clean stop, and a restart with data.
func TestServerLifecycle(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "kite-data")
	kubeconfig := filepath.Join(dataDir, "kubeconfig")

	// The controllers and the scheduler would add objects of their own to the count of
	// keys below: this test is about the server and its store.
	bare := []string{"--disable-controllers", "--disable-scheduler"}
	first := startServer(t, dataDir, bare...)
	took := first.waitReady(t)
	t.Logf("time to ready, fresh data dir: %s", took)
	if took > freshReadyLimit {
		t.Errorf("fresh start took %s to be ready, want < %s", took, freshReadyLimit)
	}
	report := first.stderr.String()
	for _, want := range []string{
		"kite: data dir " + dataDir + " ready (lock held) in ",
		"kite: certificates generated in ",
		"kite: store opened (0 keys, rev 0) in ",
		"kite: serving on https://127.0.0.1:" + strconv.Itoa(first.port) + "\n",
		"kite: ready in ",
		". Use: kubectl --kubeconfig " + kubeconfig + " get namespaces\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("start-up report lacks %q:\n%s", want, report)
		}
	}
	caBefore, err := os.ReadFile(filepath.Join(dataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("kubectl version", func(t *testing.T) {
		for _, bin := range kubectlVersions(t) {
			t.Run(filepath.Base(bin), func(t *testing.T) {
				out := kubectl(t, bin, kubeconfig, "version", "-o", "json")
				var v struct {
					ServerVersion struct{ Major, Minor, GitVersion string }
				}
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("kubectl version -o json printed no JSON: %v\n%s", err, out)
				}
				sv := v.ServerVersion
				if sv.Major != "1" || sv.Minor != "37" || !strings.HasPrefix(sv.GitVersion, "v1.37.") {
					t.Errorf("serverVersion = %+v, want Kubernetes 1.37", sv)
				}
			})
		}
	})

	t.Run("kubectl readyz verbose", func(t *testing.T) {
		bins := kubectlVersions(t)
		out := kubectl(t, bins[len(bins)-1], kubeconfig, "get", "--raw", "/readyz?verbose")
		for _, want := range []string{"[+]ping ok\n", "[+]log ok\n", "[+]etcd ok\n", "[+]shutdown ok\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("/readyz?verbose lacks %q:\n%s", want, out)
			}
		}
		if !strings.HasSuffix(out, "readyz check passed\n") {
			t.Errorf("/readyz?verbose does not end with the verdict:\n%s", out)
		}
		if out := kubectl(t, bins[len(bins)-1], kubeconfig, "get", "--raw", "/readyz/etcd"); out != "ok" {
			t.Errorf("/readyz/etcd = %q, want ok", out)
		}
	})

	t.Run("no client certificate", func(t *testing.T) {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(caBefore) {
			t.Fatal("ca.crt holds no certificate")
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		base := "https://127.0.0.1:" + strconv.Itoa(first.port)

		code, body := get(t, client, base+"/api")
		want := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
		if code != 401 || strings.TrimSpace(body) != want {
			t.Errorf("GET /api without a certificate = %d %s, want 401 %s", code, body, want)
		}
		if code, body := get(t, client, base+"/healthz"); code != 200 || body != "ok" {
			t.Errorf("GET /healthz without a certificate = %d %q, want 200 ok", code, body)
		}
		if code, body := get(t, client, base+"/version"); code != 200 || !strings.Contains(body, `"gitVersion": "v1.37.`) {
			t.Errorf("GET /version without a certificate = %d %q", code, body)
		}
	})

	t.Run("second server on the same data dir", func(t *testing.T) {
		second := startServer(t, dataDir, bare...)
		if code := second.wait(t, 10*time.Second); code != 2 {
			t.Errorf("second server exited %d, want 2", code)
		}
		line := oneLine(t, "second server's stderr", second.stderr.String())
		want := fmt.Sprintf("kite: data dir %s is in use by another kite server (pid %d)", dataDir, first.cmd.Process.Pid)
		if line != want {
			t.Errorf("second server said %q, want %q", line, want)
		}
	})

	// What every cluster starts with, as a user lists it: these are the keys of the
	// store before fillStore adds its own.
	bins := kubectlVersions(t)
	system := strings.Count(kubectl(t, bins[len(bins)-1], kubeconfig, "get", "namespaces,priorityclasses,services,endpoints,endpointslices,flowschemas,prioritylevelconfigurations,servicecidrs,ipaddresses,clusterroles,clusterrolebindings,apiservices", "-A", "-o", "name"), "\n")

	first.signal(t, syscall.SIGTERM)
	if code := first.wait(t, 20*time.Second); code != 0 {
		t.Errorf("kite exited %d after SIGTERM, want 0", code)
	}
	if !strings.HasSuffix(first.stderr.String(), "kite: stopped\n") {
		t.Errorf("stderr after SIGTERM does not end with the stop report:\n%s", first.stderr.String())
	}

	fillStore(t, filepath.Join(dataDir, "db"), restartKeys)

	restarted := startServer(t, dataDir, bare...)
	took = restarted.waitReady(t)
	t.Logf("time to ready, restart with %d keys: %s", restartKeys, took)
	if took > restartReadyLimit {
		t.Errorf("restart took %s to be ready, want < %s", took, restartReadyLimit)
	}
	report = restarted.stderr.String()
	if !strings.Contains(report, "kite: certificates loaded in ") {
		t.Errorf("restart report does not say the certificates were loaded:\n%s", report)
	}
	// The store holds the system objects the first start made and the keys written
	// since; each write took a revision (some objects took two: created, then their
	// status set).
	m := regexp.MustCompile(`kite: store opened \((\d+) keys, rev (\d+)\) in `).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("restart report has no store line:\n%s", report)
	}
	keys, _ := strconv.Atoi(m[1])
	rev, _ := strconv.Atoi(m[2])
	if keys != restartKeys+system || rev < keys {
		t.Errorf("restart opened %d keys at rev %d, want %d keys at a revision of at least that", keys, rev, restartKeys+system)
	}
	caAfter, err := os.ReadFile(filepath.Join(dataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(caBefore, caAfter) {
		t.Error("restart replaced the CA; it must reuse ca.crt")
	}
	// The kubeconfig was rewritten for the new port and still works.
	if out := kubectl(t, bins[len(bins)-1], kubeconfig, "get", "--raw", "/livez"); out != "ok" {
		t.Errorf("/livez after restart = %q", out)
	}

	restarted.signal(t, syscall.SIGINT)
	if code := restarted.wait(t, 20*time.Second); code != 0 {
		t.Errorf("kite exited %d after SIGINT, want 0", code)
	}
}

// fillStore writes n objects into the store at dir while no server runs, so the restart
// is measured on a store that holds data.
func fillStore(t *testing.T, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	s, err := pebble.Open(ctx, pebble.Config{Dir: dir})
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	}()
	// Writers in parallel let the store batch their syncs.
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				key := fmt.Sprintf("/registry/configmaps/default/kite-e2e-%05d", i)
				if _, err := s.Create(ctx, key, []byte(`{"kind":"ConfigMap"}`), storage.WriteOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("filling the store: %v", err)
	}
}
