package satoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// header is the JOSE header of a token.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
}

// errNotJWT marks a string that is not a compact JWS at all: another authenticator's
// token, not a bad one of ours.
var errNotJWT = errors.New("not a JWT")

// algorithm returns the JWS algorithm for a signing key, or an error for a key kind
// tokens cannot be signed with.
func algorithm(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("satoken: RSA key of %d bits is too small (2048 at least)", k.N.BitLen())
		}
		return "RS256", nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("satoken: ECDSA keys must use P-256")
		}
		return "ES256", nil
	}
	return "", fmt.Errorf("satoken: unsupported key type %T", pub)
}

// keyID is the key's id as upstream computes it: the unpadded base64url SHA-256 of the
// public key's PKIX DER encoding, so the same key gets the same kid everywhere.
func keyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("satoken: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// sign returns the compact JWS of payload.
func sign(key crypto.Signer, alg, kid string, payload []byte) (string, error) {
	h, err := json.Marshal(header{Alg: alg, Kid: kid})
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("satoken: signing: %w", err)
	}
	if alg == "ES256" {
		// crypto.Signer gives ASN.1 for ECDSA; JWS wants the two 32-byte integers.
		if sig, err = ecdsaRaw(sig); err != nil {
			return "", err
		}
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// jws is a decoded, not yet verified compact JWS.
type jws struct {
	header  header
	payload []byte
	signed  string // what the signature covers: the first two parts
	sig     []byte
}

// decode splits a compact JWS; it fails with errNotJWT when token is not shaped like
// one.
func decode(token string) (*jws, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errNotJWT
	}
	var t jws
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(rawHeader, &t.header) != nil || t.header.Alg == "" {
		return nil, errNotJWT
	}
	if t.payload, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		return nil, errNotJWT
	}
	if t.sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, errNotJWT
	}
	t.signed = parts[0] + "." + parts[1]
	return &t, nil
}

// verify checks the signature against pub, which signs with alg.
func (t *jws) verify(pub crypto.PublicKey, alg string) error {
	if t.header.Alg != alg {
		return fmt.Errorf("unexpected signature algorithm %q", t.header.Alg)
	}
	digest := sha256.Sum256([]byte(t.signed))
	if !verifySignature(pub, digest[:], t.sig) {
		return errors.New("invalid signature")
	}
	return nil
}

func verifySignature(pub crypto.PublicKey, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) == nil
	case *ecdsa.PublicKey:
		if len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}

// ecdsaRaw turns an ASN.1 ECDSA P-256 signature into JWS's fixed-width r||s.
func ecdsaRaw(der []byte) ([]byte, error) {
	r, s, err := parseASN1Signature(der)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

func parseASN1Signature(der []byte) (*big.Int, *big.Int, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, nil, errors.New("satoken: malformed ECDSA signature")
	}
	return sig.R, sig.S, nil
}
