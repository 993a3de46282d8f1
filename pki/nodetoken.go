package pki

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The node token has k3s's shape, K10<CA hash>::<user>:<secret>, so that whoever
// holds it can both trust the server (the CA's hash) and be trusted by it (the secret).
const (
	nodeTokenPrefix = "K10"
	// NodeTokenUser is the user part of the tokens Kite makes.
	NodeTokenUser = "node"
	// nodeTokenSecretBytes of randomness make the secret (hex-encoded).
	nodeTokenSecretBytes = 24
)

// NodeToken is the credential a node agent joins a cluster with.
type NodeToken struct {
	// CAHash is the lower-case hex SHA-256 of the cluster CA certificate's DER bytes.
	CAHash string
	// User and Secret are what the agent authenticates with.
	User, Secret string
}

// String is the token as a user copies it.
func (t NodeToken) String() string {
	return nodeTokenPrefix + t.CAHash + "::" + t.User + ":" + t.Secret
}

// Credential is the part of the token the API server checks (the bearer token the
// agent sends): user:secret. The CA hash is not secret and never leaves the agent.
func (t NodeToken) Credential() string { return t.User + ":" + t.Secret }

// TrustsCA reports whether cert is the CA the token names.
func (t NodeToken) TrustsCA(cert *x509.Certificate) bool {
	got := CAHash(cert)
	return subtle.ConstantTimeCompare([]byte(got), []byte(t.CAHash)) == 1
}

// CAHash is the hash of a CA certificate as a node token carries it.
func CAHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// ParseNodeToken reads a token in the K10<hash>::<user>:<secret> form. Surrounding
// white space (a trailing newline from a file) is ignored.
func ParseNodeToken(s string) (NodeToken, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, nodeTokenPrefix)
	if !ok {
		return NodeToken{}, errors.New("the node token does not start with K10 (expected K10<CA hash>::<user>:<secret>, as in the server's DATA-DIR/server/node-token)")
	}
	hash, cred, ok := strings.Cut(rest, "::")
	if !ok {
		return NodeToken{}, errors.New("the node token has no '::' after its CA hash")
	}
	if len(hash) != 2*sha256.Size {
		return NodeToken{}, fmt.Errorf("the node token's CA hash has %d characters, not %d", len(hash), 2*sha256.Size)
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return NodeToken{}, errors.New("the node token's CA hash is not hexadecimal")
	}
	user, secret, ok := strings.Cut(cred, ":")
	if !ok || user == "" || secret == "" {
		return NodeToken{}, errors.New("the node token has no <user>:<secret> after its CA hash")
	}
	return NodeToken{CAHash: strings.ToLower(hash), User: user, Secret: secret}, nil
}

// EnsureNodeToken loads the node token kept at path, or makes one for ca and writes it
// (mode 0600) when there is none. A token that names another CA (the CA was replaced)
// keeps its secret and gets the new hash. made says whether the file was written.
func EnsureNodeToken(path string, ca *x509.Certificate) (tok NodeToken, made bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		t, perr := ParseNodeToken(string(data))
		if perr != nil {
			return NodeToken{}, false, fmt.Errorf("pki: %s: %w", path, perr)
		}
		if t.TrustsCA(ca) {
			return t, false, nil
		}
		tok = NodeToken{User: t.User, Secret: t.Secret}
	case errors.Is(err, os.ErrNotExist):
		b := make([]byte, nodeTokenSecretBytes)
		if _, err := rand.Read(b); err != nil {
			return NodeToken{}, false, fmt.Errorf("pki: node token: %w", err)
		}
		tok = NodeToken{User: NodeTokenUser, Secret: hex.EncodeToString(b)}
	default:
		return NodeToken{}, false, fmt.Errorf("pki: %w", err)
	}
	tok.CAHash = CAHash(ca)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return NodeToken{}, false, fmt.Errorf("pki: %w", err)
	}
	if err := writeFileAtomic(path, []byte(tok.String()+"\n"), 0o600); err != nil {
		return NodeToken{}, false, err
	}
	return tok, true, nil
}
