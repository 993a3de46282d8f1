package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// The identity a node token authenticates as. It is a bootstrap identity, as upstream's
// bootstrap tokens give: enough to ask for a node's certificates through
// CertificateSigningRequests, which the CSR approver grants to system:bootstrappers.
// The agent then works as system:node:NAME with the certificate it got.
const (
	NodeBootstrapUser  = "system:bootstrap:kite-node-token"
	BootstrappersGroup = "system:bootstrappers"
)

// NodeToken authenticates the one shared secret node agents join the cluster with
// (the user:secret part of the server's node token).
type NodeToken struct {
	sum [sha256.Size]byte
}

// NewNodeToken returns an authenticator for credential ("user:secret").
func NewNodeToken(credential string) (*NodeToken, error) {
	if credential == "" {
		return nil, errors.New("auth: an empty node token")
	}
	return &NodeToken{sum: sha256.Sum256([]byte(credential))}, nil
}

// AuthenticateToken accepts exactly the node token's credential. It compares hashes in
// constant time, so the time it takes says nothing about the secret.
func (n *NodeToken) AuthenticateToken(_ context.Context, token string, audiences []string) (User, []string, error) {
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], n.sum[:]) != 1 {
		return User{}, nil, ErrInvalidToken
	}
	// The token is for the API server itself; it carries no other audience.
	if len(audiences) > 0 {
		return User{}, nil, ErrInvalidToken
	}
	return User{Name: NodeBootstrapUser, Groups: []string{BootstrappersGroup}}, nil, nil
}

// Tokens tries each authenticator in turn, as upstream's union of token authenticators:
// the first that recognises the token decides; ErrInvalidToken from one passes the
// token to the next; any other error stops there.
type Tokens []TokenAuthenticator

// AuthenticateToken implements TokenAuthenticator.
func (ts Tokens) AuthenticateToken(ctx context.Context, token string, audiences []string) (User, []string, error) {
	for _, t := range ts {
		if t == nil {
			continue
		}
		u, auds, err := t.AuthenticateToken(ctx, token, audiences)
		if errors.Is(err, ErrInvalidToken) {
			continue
		}
		return u, auds, err
	}
	return User{}, nil, ErrInvalidToken
}
