package pki

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodeTokenIsKeptAndNamesTheCA(t *testing.T) {
	cfg, _ := testConfig(t)
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "server", "node-token")
	tok, made, err := EnsureNodeToken(path, b.CA)
	if err != nil || !made {
		t.Fatalf("first EnsureNodeToken: made %v, err %v", made, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("node-token mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.HasPrefix(tok.String(), "K10") || !strings.Contains(tok.String(), "::node:") {
		t.Errorf("token %q is not K10<hash>::node:<secret>", tok)
	}
	if !tok.TrustsCA(b.CA) {
		t.Error("the token does not trust the CA it was made for")
	}
	again, made, err := EnsureNodeToken(path, b.CA)
	if err != nil || made || again != tok {
		t.Errorf("second EnsureNodeToken: %v made %v err %v, want the same token kept", again, made, err)
	}
	data, _ := os.ReadFile(path)
	parsed, err := ParseNodeToken(string(data))
	if err != nil || parsed != tok {
		t.Errorf("ParseNodeToken(file) = %v, %v; want %v", parsed, err, tok)
	}
	if parsed.Credential() != "node:"+tok.Secret {
		t.Errorf("Credential() = %q", parsed.Credential())
	}
}

func TestNodeTokenRefusesAnotherCA(t *testing.T) {
	cfg1, _ := testConfig(t)
	b1, err := Ensure(cfg1)
	if err != nil {
		t.Fatal(err)
	}
	cfg2, _ := testConfig(t)
	b2, err := Ensure(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "node-token")
	tok, _, err := EnsureNodeToken(path, b1.CA)
	if err != nil {
		t.Fatal(err)
	}
	if tok.TrustsCA(b2.CA) {
		t.Fatal("a token made for one CA trusts another")
	}
	// A replaced CA: the token keeps its secret and names the new CA.
	renewed, made, err := EnsureNodeToken(path, b2.CA)
	if err != nil || !made || renewed.Secret != tok.Secret || !renewed.TrustsCA(b2.CA) {
		t.Errorf("after a CA change: %v made %v err %v", renewed, made, err)
	}
}

func TestParseNodeTokenRejectsMalformed(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	for _, bad := range []string{
		"",
		"secret",
		"K10" + hash + "node:secret",
		"K10" + hash[:10] + "::node:secret",
		"K10" + strings.Repeat("zz", 32) + "::node:secret",
		"K10" + hash + "::nodesecret",
		"K10" + hash + "::node:",
	} {
		if _, err := ParseNodeToken(bad); err == nil {
			t.Errorf("ParseNodeToken(%q) accepted it", bad)
		}
	}
	tok, err := ParseNodeToken(" K10" + strings.ToUpper(hash) + "::node:s3cret\n")
	if err != nil || tok.CAHash != hash || tok.User != "node" || tok.Secret != "s3cret" {
		t.Errorf("ParseNodeToken = %+v, %v", tok, err)
	}
}
