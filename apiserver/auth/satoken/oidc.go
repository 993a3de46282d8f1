package satoken

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// Paths of upstream's service-account issuer discovery documents.
const (
	OpenIDConfigurationPath = "/.well-known/openid-configuration"
	JWKSPath                = "/openid/v1/jwks"
)

// openIDConfiguration is the subset of OpenID Connect discovery upstream publishes.
type openIDConfiguration struct {
	Issuer        string   `json:"issuer"`
	JWKSURI       string   `json:"jwks_uri"`
	ResponseTypes []string `json:"response_types_supported"`
	SubjectTypes  []string `json:"subject_types_supported"`
	SigningAlgs   []string `json:"id_token_signing_alg_values_supported"`
}

// OpenIDConfiguration returns the discovery document, naming jwksURI as where the keys
// are (upstream: https://<the server's external address>/openid/v1/jwks).
func (i *Issuer) OpenIDConfiguration(jwksURI string) ([]byte, error) {
	return json.Marshal(openIDConfiguration{
		Issuer:        i.issuer,
		JWKSURI:       jwksURI,
		ResponseTypes: []string{"id_token"},
		SubjectTypes:  []string{"public"},
		SigningAlgs:   []string{i.alg},
	})
}

// jwk is one public key as RFC 7517 writes it.
type jwk struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Crv string `json:"crv,omitempty"`
	Alg string `json:"alg"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// JWKS returns the key set that verifies this issuer's tokens.
func (i *Issuer) JWKS() ([]byte, error) {
	k := jwk{Use: "sig", Kid: i.kid, Alg: i.alg}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := i.key.Public().(type) {
	case *rsa.PublicKey:
		k.Kty = "RSA"
		k.N = b64(pub.N.Bytes())
		k.E = b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each for P-256
		if err != nil {
			return nil, fmt.Errorf("satoken: %w", err)
		}
		k.Kty, k.Crv = "EC", "P-256"
		k.X, k.Y = b64(raw[1:33]), b64(raw[33:])
	default:
		return nil, fmt.Errorf("satoken: unsupported key type %T", pub)
	}
	return json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{k}})
}
