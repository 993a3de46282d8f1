package pki

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"
)

func TestServiceAccountKeyIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	key, made, err := EnsureServiceAccountKey(dir)
	if err != nil || !made {
		t.Fatalf("first call: made %v, err %v", made, err)
	}
	if k, ok := key.(*rsa.PrivateKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("key is %T, want a 2048-bit RSA key", key)
	}
	for name, mode := range map[string]os.FileMode{"sa.key": 0o600, "sa.pub": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v, want %v", name, err, fi.Mode().Perm(), mode)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "sa.pub"))

	// A restart reuses the key, and a lost sa.pub is written again from it.
	if err := os.Remove(filepath.Join(dir, "sa.pub")); err != nil {
		t.Fatal(err)
	}
	again, made, err := EnsureServiceAccountKey(dir)
	if err != nil || made {
		t.Fatalf("second call: made %v, err %v", made, err)
	}
	if !key.(*rsa.PrivateKey).Equal(again) {
		t.Error("second call returned another key")
	}
	if pub2, err := os.ReadFile(filepath.Join(dir, "sa.pub")); err != nil || string(pub2) != string(pub) {
		t.Errorf("sa.pub not restored as it was: %v", err)
	}
}

func TestDamagedServiceAccountKeyIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := EnsureServiceAccountKey(dir); err == nil {
		t.Error("a damaged sa.key was accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sa.key")); string(b) != "not a key" {
		t.Error("a damaged sa.key was replaced")
	}
}
