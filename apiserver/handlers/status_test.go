package handlers

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/version"
)

func TestUnauthorizedBody(t *testing.T) {
	rec := httptest.NewRecorder()
	Unauthorized(rec, httptest.NewRequest("GET", "/api", nil))
	if rec.Code != 401 {
		t.Errorf("code = %d, want 401", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	// Byte for byte what kube-apiserver sends.
	want := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestNotFoundBody(t *testing.T) {
	code, body, _ := get(t, NotFound(), "/no/such/path")
	if code != 404 {
		t.Errorf("code = %d, want 404", code)
	}
	want := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}`
	if got := strings.TrimSpace(body); got != want {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestVersion(t *testing.T) {
	info := version.Info{Major: "1", Minor: "37", GitVersion: "v1.37.2+kite", GoVersion: "go1.26.8",
		Compiler: "gc", Platform: "linux/amd64", BuildDate: "1970-01-01T00:00:00Z"}
	code, body, hdr := get(t, Version(info), "/version")
	if code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /version = %d %s", code, hdr.Get("Content-Type"))
	}
	var got version.Info
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body is not a version.Info: %v\n%s", err, body)
	}
	if got != info {
		t.Errorf("got %+v, want %+v", got, info)
	}
	// Upstream indents /version; scripts that grep it rely on one field per line.
	if !strings.Contains(body, "\n  \"gitVersion\": \"v1.37.2+kite\",\n") {
		t.Errorf("body is not indented as upstream's:\n%s", body)
	}
}
