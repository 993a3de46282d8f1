package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/version"
)

// syncBuffer is a bytes.Buffer safe to write from the server while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(context.Background(), args, &stdout, &stderr, time.Now())
	return code, stdout.String(), stderr.String()
}

func TestTopLevelHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, _ := runCLI(t, args...)
		if code != 0 {
			t.Errorf("kite %v exited %d, want 0", args, code)
		}
		for _, want := range []string{"server", "version", "kite <command>"} {
			if !strings.Contains(out, want) {
				t.Errorf("kite %v does not mention %q:\n%s", args, want, out)
			}
		}
	}
	code, _, errOut := runCLI(t)
	if code != 2 || !strings.Contains(errOut, "server") {
		t.Errorf("kite with no command: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
}

func TestServerHelpDocumentsFlags(t *testing.T) {
	for _, args := range [][]string{{"server", "--help"}, {"help", "server"}} {
		code, out, _ := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("kite %v exited %d", args, code)
		}
		for _, want := range []string{
			`--data-dir string`, `(default "./.kite")`,
			`--bind-address ip`, `(default 0.0.0.0)`,
			`--secure-port int`, `(default 6443)`,
			`--tls-san strings`,
			`--history-retention duration`, `(default 5m0s)`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("kite %v does not document %q:\n%s", args, want, out)
			}
		}
	}
}

func TestUsageErrorsAreOneLineAndExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"server", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"server", "--secure-port", "70000"}, "--secure-port 70000 is not a port number"},
		{[]string{"server", "--secure-port", "http"}, `invalid argument "http"`},
		{[]string{"server", "--bind-address", "localhost"}, `invalid argument "localhost"`},
		{[]string{"server", "--history-retention", "0s"}, "--history-retention must be positive"},
		{[]string{"server", "extra"}, `unexpected argument "extra"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--data-dir", "x"}, "unknown flag --data-dir"},
		{[]string{"version", "-o", "yaml"}, `--output "yaml" is not a format`},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != 2 {
			t.Errorf("kite %v exited %d, want 2", tc.args, code)
		}
		if out != "" {
			t.Errorf("kite %v wrote to stdout: %q", tc.args, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("kite %v: stderr %q, want one line with %q", tc.args, errOut, tc.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "Client Version: v1.37.") || !strings.Contains(out, "+kite\n") {
		t.Errorf("kite version = %d %q", code, out)
	}
	code, out, _ = runCLI(t, "version", "-o", "json")
	var got struct{ ClientVersion version.Info }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ClientVersion.Minor != "37" {
		t.Errorf("kite version -o json = %d %q", code, out)
	}
}

func TestKiteVersionFollowsTheKubernetesLibraries(t *testing.T) {
	info := kiteVersion()
	// go.mod pins k8s.io/apimachinery v0.37.x: Kite serves Kubernetes 1.37.
	if info.Major != "1" || info.Minor != "37" || !strings.HasPrefix(info.GitVersion, "v1.37.") {
		t.Errorf("version = %+v, want Kubernetes 1.37", info)
	}
	if info.EmulationMinor != "37" || info.MinCompatibilityMinor != "36" {
		t.Errorf("compatibility versions = %s/%s, want 37/36", info.EmulationMinor, info.MinCompatibilityMinor)
	}
	for _, tc := range []struct {
		in    string
		minor int
		rest  string
		ok    bool
	}{
		{"v0.37.2", 37, ".2", true},
		{"v0.38.0-alpha.1", 38, ".0-alpha.1", true},
		{"v1.2.3", 0, "", false},
		{"v0.x.1", 0, "", false},
		{"(devel)", 0, "", false},
	} {
		minor, rest, ok := parseStagingVersion(tc.in)
		if minor != tc.minor || rest != tc.rest || ok != tc.ok {
			t.Errorf("parseStagingVersion(%q) = %d %q %v", tc.in, minor, rest, ok)
		}
	}
}

func TestUnusableDataDirExits2(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kite-not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "server", "--data-dir", file, "--bind-address", "127.0.0.1", "--secure-port", "0")
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "kite: data dir "+file+" is not usable") {
		t.Errorf("server on a regular file: exit %d, stderr %q", code, errOut)
	}
}

func TestCorruptStoreExits2(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db", "not-pebble"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "server", "--data-dir", dir, "--bind-address", "127.0.0.1", "--secure-port", "0")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	if code != 2 || !strings.HasPrefix(last, "kite: data dir "+dir+" is not usable") {
		t.Errorf("server on a damaged store: exit %d, stderr %q", code, errOut)
	}
}
