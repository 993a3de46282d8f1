package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var files = []string{"ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key"}

func testConfig(t *testing.T) (Config, *clocktesting.FakePassiveClock) {
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return Config{Dir: filepath.Join(t.TempDir(), "pki"), Hostname: "kite-test-host", Clock: clk}, clk
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("reading %s: %v", f, err)
		}
		out[f] = b
	}
	return out
}

func madeNames(b *Bundle) []string {
	var names []string
	for _, m := range b.Made {
		names = append(names, m.Name)
	}
	return names
}

func TestFirstEnsureMakesEverything(t *testing.T) {
	cfg, clk := testConfig(t)
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if got := madeNames(b); !slices.Equal(got, []string{"ca", "server", "admin"}) {
		t.Errorf("made %v, want ca, server, admin", got)
	}
	if !b.CAGenerated() {
		t.Error("CAGenerated() = false on a fresh directory")
	}
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(cfg.Dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := os.FileMode(0o644)
		if filepath.Ext(f) == ".key" {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", f, fi.Mode().Perm(), want)
		}
	}
	if b.CA.NotAfter.Sub(clk.Now()) < 9*365*24*time.Hour {
		t.Errorf("CA valid until %v, want about 10 years", b.CA.NotAfter)
	}

	// The serving certificate must verify for every name a client may use.
	serving, err := x509.ParseCertificate(b.Serving.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(b.CA)
	for _, name := range []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "127.0.0.1", "::1", "kite-test-host"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: clk.Now()}); err != nil {
			t.Errorf("serving certificate does not verify for %q: %v", name, err)
		}
	}

	admin := parsePEM(t, b.AdminCertPEM)
	if admin.Subject.CommonName != "kite-admin" || !slices.Equal(admin.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("admin subject = %v, want CN=kite-admin O=system:masters", admin.Subject)
	}
	if _, err := admin.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: clk.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin certificate is not a client certificate of the CA: %v", err)
	}
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: clk.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("serving certificate is accepted as a client certificate")
	}
}

func TestSecondEnsureReusesEverything(t *testing.T) {
	cfg, clk := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, cfg.Dir)
	clk.SetTime(clk.Now().Add(24 * time.Hour))
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if len(b.Made) != 0 || b.CAGenerated() {
		t.Errorf("second Ensure made %v, want nothing", b.Made)
	}
	after := readAll(t, cfg.Dir)
	for _, f := range files {
		if !bytes.Equal(before[f], after[f]) {
			t.Errorf("%s changed on reuse", f)
		}
	}
	if !bytes.Equal(b.CAPEM, after["ca.crt"]) || !bytes.Equal(b.AdminCertPEM, after["admin.crt"]) {
		t.Error("bundle does not hold the files on disk")
	}
}

func TestSANChangeRemakesOnlyTheServingCertificate(t *testing.T) {
	cfg, clk := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, cfg.Dir)

	cfg.ExtraSANs = []string{"kite.example.test", "192.0.2.10"}
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Made) != 1 || b.Made[0] != (Made{Name: "server", Reason: "SANs changed"}) {
		t.Errorf("made %v, want only the server certificate for changed SANs", b.Made)
	}
	after := readAll(t, cfg.Dir)
	for _, f := range []string{"ca.crt", "ca.key", "admin.crt", "admin.key"} {
		if !bytes.Equal(before[f], after[f]) {
			t.Errorf("%s changed, want it kept", f)
		}
	}
	serving := parsePEM(t, after["server.crt"])
	roots := x509.NewCertPool()
	roots.AddCert(b.CA)
	for _, name := range []string{"kite.example.test", "192.0.2.10", "localhost"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: clk.Now()}); err != nil {
			t.Errorf("new serving certificate does not verify for %q: %v", name, err)
		}
	}

	// The same SANs in another order and case are no change.
	cfg.ExtraSANs = []string{"192.0.2.10", "KITE.example.test"}
	b, err = Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Made) != 0 {
		t.Errorf("reordered SANs made %v, want nothing", b.Made)
	}
}

func TestLeavesAreRenewedBeforeExpiry(t *testing.T) {
	cfg, clk := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, cfg.Dir)

	// 300 days in: more than 30 days left, nothing to do.
	clk.SetTime(clk.Now().Add(300 * 24 * time.Hour))
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Made) != 0 {
		t.Fatalf("made %v with 65 days left, want nothing", b.Made)
	}

	// 340 days in: 25 days left, both leaves are due; the CA stays.
	clk.SetTime(clk.Now().Add(40 * 24 * time.Hour))
	b, err = Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := madeNames(b); !slices.Equal(got, []string{"server", "admin"}) {
		t.Errorf("made %v, want server and admin", got)
	}
	after := readAll(t, cfg.Dir)
	if !bytes.Equal(before["ca.crt"], after["ca.crt"]) || !bytes.Equal(before["ca.key"], after["ca.key"]) {
		t.Error("CA changed, want it kept")
	}
	if serving := parsePEM(t, after["server.crt"]); serving.NotAfter.Sub(clk.Now()) < 300*24*time.Hour {
		t.Errorf("renewed serving certificate expires %v, want a year from now", serving.NotAfter)
	}
}

func TestNewCAReissuesLeaves(t *testing.T) {
	cfg, _ := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	// An operator removes the CA to start a new cluster identity.
	for _, f := range []string{"ca.crt", "ca.key"} {
		if err := os.Remove(filepath.Join(cfg.Dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []Made{{"ca", "missing"}, {"server", "not signed by the cluster CA"}, {"admin", "not signed by the cluster CA"}}
	if !slices.Equal(b.Made, want) {
		t.Errorf("made %v, want %v", b.Made, want)
	}
}

func TestDamagedLeafIsRemade(t *testing.T) {
	cfg, _ := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, "admin.key"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Made, []Made{{"admin", "unreadable"}}) {
		t.Errorf("made %v, want the admin certificate remade", b.Made)
	}
}

func TestUnusableCAIsAnError(t *testing.T) {
	for name, damage := range map[string]func(dir string) error{
		"key missing": func(dir string) error { return os.Remove(filepath.Join(dir, "ca.key")) },
		"cert garbage": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "ca.crt"), []byte("not a certificate"), 0o644)
		},
		"key of another certificate": func(dir string) error {
			other, err := os.ReadFile(filepath.Join(dir, "server.key"))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "ca.key"), other, 0o600)
		},
		"not a CA": func(dir string) error {
			for _, f := range []string{".crt", ".key"} {
				b, err := os.ReadFile(filepath.Join(dir, "admin"+f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, "ca"+f), b, 0o600); err != nil {
					return err
				}
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := testConfig(t)
			if _, err := Ensure(cfg); err != nil {
				t.Fatal(err)
			}
			if err := damage(cfg.Dir); err != nil {
				t.Fatal(err)
			}
			caBefore, _ := os.ReadFile(filepath.Join(cfg.Dir, "ca.crt"))
			_, err := Ensure(cfg)
			if !errors.Is(err, ErrUnusableCA) {
				t.Fatalf("Ensure: err = %v, want ErrUnusableCA", err)
			}
			caAfter, _ := os.ReadFile(filepath.Join(cfg.Dir, "ca.crt"))
			if !bytes.Equal(caBefore, caAfter) {
				t.Error("Ensure replaced an unusable CA; it must leave it to the operator")
			}
		})
	}
}

func TestExpiredCAIsAnError(t *testing.T) {
	cfg, clk := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	clk.SetTime(clk.Now().Add(11 * 365 * 24 * time.Hour))
	if _, err := Ensure(cfg); !errors.Is(err, ErrUnusableCA) {
		t.Fatalf("Ensure with an expired CA: err = %v, want ErrUnusableCA", err)
	}
}

func TestBadSAN(t *testing.T) {
	cfg, _ := testConfig(t)
	cfg.ExtraSANs = []string{"https://kite.example.test"}
	if _, err := Ensure(cfg); err == nil {
		t.Fatal("Ensure accepted a URL as a SAN")
	}
}
