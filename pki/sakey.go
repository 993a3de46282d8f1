package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// serviceAccountKeyBits is the size of the key that signs service-account tokens, as
// kubeadm makes it.
const serviceAccountKeyBits = 2048

// EnsureServiceAccountKey returns the key that signs service-account tokens, kept in
// dir as sa.key (private, 0600) with sa.pub (its public half) beside it, as kubeadm
// keeps them. It makes the key when sa.key is missing and reports made; it rewrites
// sa.pub when that is missing or does not match.
//
// A sa.key that cannot be read is an error rather than replaced: every token issued
// with it (those mounted in pods too) would silently stop working.
func EnsureServiceAccountKey(dir string) (key crypto.Signer, made bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("pki: %w", err)
	}
	keyPath, pubPath := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	keyPEM, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		rsaKey, err := rsa.GenerateKey(rand.Reader, serviceAccountKeyBits)
		if err != nil {
			return nil, false, fmt.Errorf("pki: generating the service-account key: %w", err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
		if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
			return nil, false, err
		}
		key, made = rsaKey, true
	case err != nil:
		return nil, false, fmt.Errorf("pki: service-account key: %w", err)
	default:
		if key, err = parseKey(keyPEM); err != nil {
			return nil, false, fmt.Errorf("pki: service-account key %s: %w", keyPath, err)
		}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, false, fmt.Errorf("pki: service-account key: %w", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if cur, err := os.ReadFile(pubPath); err != nil || string(cur) != string(pubPEM) {
		if err := writeFileAtomic(pubPath, pubPEM, 0o644); err != nil {
			return nil, false, err
		}
	}
	return key, made, nil
}
