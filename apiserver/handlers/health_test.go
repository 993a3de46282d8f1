package handlers

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, h http.Handler, target string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

func ok(name string) Check { return Check{Name: name, Run: func(*http.Request) error { return nil }} }

func failing(name string) Check {
	return Check{Name: name, Run: func(*http.Request) error { return errors.New("store unreachable") }}
}

func TestHealthOutput(t *testing.T) {
	healthy := []Check{ok("ping"), ok("log"), ok("etcd"), ok("shutdown")}
	broken := []Check{ok("ping"), ok("log"), failing("etcd"), ok("shutdown")}
	for _, tc := range []struct {
		name   string
		checks []Check
		target string
		code   int
		body   string
	}{
		{"plain", healthy, "/readyz", 200, "ok"},
		{"verbose", healthy, "/readyz?verbose",
			200, "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n"},
		{"verbose with a value", healthy, "/readyz?verbose=true",
			200, "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n"},
		{"exclude", healthy, "/readyz?verbose&exclude=etcd",
			200, "[+]ping ok\n[+]log ok\n[+]etcd excluded: ok\n[+]shutdown ok\nreadyz check passed\n"},
		{"exclude unknown", healthy, "/readyz?verbose&exclude=nope&exclude=log&exclude=aaa",
			200, "[+]ping ok\n[+]log excluded: ok\n[+]etcd ok\n[+]shutdown ok\n" +
				"warn: some health checks cannot be excluded: no matches for \"aaa\",\"nope\"\nreadyz check passed\n"},
		{"exclude unknown, not verbose", healthy, "/readyz?exclude=nope", 200, "ok"},
		{"failure is always verbose and withholds the reason", broken, "/readyz",
			500, "[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n"},
		{"excluding the failed check passes", broken, "/readyz?exclude=etcd", 200, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Health("readyz", tc.checks, slog.New(slog.DiscardHandler))
			code, body, hdr := get(t, h, tc.target)
			if code != tc.code || body != tc.body {
				t.Errorf("GET %s = %d %q, want %d %q", tc.target, code, body, tc.code, tc.body)
			}
			if ct := hdr.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("X-Content-Type-Options: nosniff missing")
			}
		})
	}
}

func TestHealthEndpointNameInSummary(t *testing.T) {
	_, body, _ := get(t, Health("livez", []Check{ok("ping")}, slog.New(slog.DiscardHandler)), "/livez?verbose")
	if body != "[+]ping ok\nlivez check passed\n" {
		t.Errorf("body = %q", body)
	}
}

func TestSingleCheck(t *testing.T) {
	code, body, _ := get(t, HealthCheck(ok("ping")), "/readyz/ping")
	if code != 200 || body != "ok" {
		t.Errorf("healthy check: %d %q, want 200 ok", code, body)
	}
	code, body, _ = get(t, HealthCheck(failing("etcd")), "/readyz/etcd")
	if code != 500 || body != "internal server error: store unreachable\n" {
		t.Errorf("failing check: %d %q, want 500 with the reason", code, body)
	}
}
