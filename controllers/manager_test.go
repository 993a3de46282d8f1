package controllers

import (
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestNewChecksAndDefaults(t *testing.T) {
	if _, err := New(Config{RootCA: []byte("ca")}); err == nil {
		t.Error("New without REST succeeded")
	}
	if _, err := New(Config{REST: &rest.Config{Host: "https://127.0.0.1:1"}}); err == nil {
		t.Error("New without RootCA succeeded")
	}
	cfg := &rest.Config{Host: "https://127.0.0.1:1"}
	m, err := New(Config{REST: cfg, RootCA: []byte("ca")})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if !strings.HasPrefix(m.Identity(), host+"_") || len(m.Identity()) <= len(host)+1 {
		t.Errorf("identity %q, want hostname_uuid", m.Identity())
	}
	other, err := New(Config{REST: cfg, RootCA: []byte("ca")})
	if err != nil || other.Identity() == m.Identity() {
		t.Errorf("two managers share identity %q (%v)", m.Identity(), err)
	}
	if m.cfg.LeaseDuration != 15*time.Second || m.cfg.RenewDeadline != 10*time.Second || m.cfg.RetryPeriod != 2*time.Second {
		t.Errorf("leader election timing %v/%v/%v, want upstream's 15s/10s/2s", m.cfg.LeaseDuration, m.cfg.RenewDeadline, m.cfg.RetryPeriod)
	}
	// The caller's config is not changed by the defaults.
	if cfg.QPS != 0 || cfg.UserAgent != "" {
		t.Errorf("New changed the caller's rest.Config: qps %v, user agent %q", cfg.QPS, cfg.UserAgent)
	}
}
