package satoken

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/clock"
)

const (
	// DefaultIssuer is the issuer upstream clusters are usually set up with (kubeadm's
	// and k3s's default), and so the default API audience.
	DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

	// WarnOnlyExpirationSeconds is the lifetime the kubelet asks for projected tokens;
	// upstream extends pod-bound tokens of exactly this lifetime to ExtendedSeconds and
	// records warnafter instead, so workloads that never refresh keep working.
	WarnOnlyExpirationSeconds = 60*60 + 7
	// ExtendedSeconds is the lifetime of such an extended token: a year.
	ExtendedSeconds = 365 * 24 * 60 * 60

	// leeway is the clock skew tolerated around exp and nbf, and how long a deleted
	// object's tokens stay valid, as upstream's JWT library defaults it.
	leeway = time.Minute
)

// Objects looks up the objects a token names. The API server backs it with its stores;
// a missing object is an error (any: the token is then invalid).
type Objects interface {
	ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)
	Pod(ctx context.Context, namespace, name string) (*corev1.Pod, error)
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
	Node(ctx context.Context, name string) (*corev1.Node, error)
}

// Config is what an Issuer needs.
type Config struct {
	// Key signs the tokens: an RSA key of 2048 bits or more (RS256) or an ECDSA P-256
	// key (ES256). Required.
	Key crypto.Signer
	// Objects looks up service accounts and bound objects when a token is verified.
	// Required.
	Objects Objects
	// Issuer is the iss claim. Default: DefaultIssuer.
	Issuer string
	// APIAudiences are the audiences the API server itself accepts, and the default
	// audiences of a TokenRequest. Default: the issuer.
	APIAudiences []string
	// ExtendExpiration turns on upstream's extension of pod-bound tokens that ask for
	// WarnOnlyExpirationSeconds (kube-apiserver's default is on). Nil means on.
	ExtendExpiration *bool
	// Clock tells the time. Default: the real clock.
	Clock clock.PassiveClock
}

// Issuer issues and verifies service-account tokens with one key.
type Issuer struct {
	key       crypto.Signer
	alg, kid  string
	objects   Objects
	issuer    string
	audiences []string
	extend    bool
	clock     clock.PassiveClock
}

// New validates cfg and returns an Issuer.
func New(cfg Config) (*Issuer, error) {
	if cfg.Key == nil {
		return nil, errors.New("satoken: Config.Key is required")
	}
	if cfg.Objects == nil {
		return nil, errors.New("satoken: Config.Objects is required")
	}
	alg, err := algorithm(cfg.Key.Public())
	if err != nil {
		return nil, err
	}
	kid, err := keyID(cfg.Key.Public())
	if err != nil {
		return nil, err
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if len(cfg.APIAudiences) == 0 {
		cfg.APIAudiences = []string{cfg.Issuer}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	extend := cfg.ExtendExpiration == nil || *cfg.ExtendExpiration
	return &Issuer{key: cfg.Key, alg: alg, kid: kid, objects: cfg.Objects, issuer: cfg.Issuer,
		audiences: slices.Clone(cfg.APIAudiences), extend: extend, clock: cfg.Clock}, nil
}

// APIAudiences returns the audiences the API server accepts.
func (i *Issuer) APIAudiences() []string { return slices.Clone(i.audiences) }

// Request is what a token is issued for. The objects must be the stored ones (their
// uids go into the token).
type Request struct {
	ServiceAccount *corev1.ServiceAccount
	// Audiences of the token. Empty: the API audiences.
	Audiences []string
	// ExpirationSeconds is the lifetime asked for; validation (at least ten minutes)
	// is the caller's.
	ExpirationSeconds int64
	// At most one of Pod, Secret and Node binds the token. A pod's node, when the
	// caller found it, goes in Node beside Pod, as upstream records it.
	Pod    *corev1.Pod
	Secret *corev1.Secret
	Node   *corev1.Node
}

// Issued is an issued token.
type Issued struct {
	Token string
	// ExpirationTimestamp is what TokenRequest's status reports: issue time plus the
	// requested lifetime (an extended token's real exp lies later).
	ExpirationTimestamp time.Time
	// ID is the token's jti.
	ID string
	// IssuedAt is the token's iat (to the nanosecond; the claim holds seconds).
	IssuedAt time.Time
}

// Issue signs a token for req.
func (i *Issuer) Issue(req Request) (Issued, error) {
	sa := req.ServiceAccount
	if sa == nil {
		return Issued{}, errors.New("satoken: Request.ServiceAccount is required")
	}
	auds := req.Audiences
	if len(auds) == 0 {
		auds = i.audiences
	}
	now := i.clock.Now()
	exp, warnAfter := req.ExpirationSeconds, int64(0)
	if i.extend && req.Pod != nil && exp == WarnOnlyExpirationSeconds && i.isAPIAudiences(auds) {
		warnAfter, exp = exp, ExtendedSeconds
	}
	c := claims{
		Audience:  slices.Clone(auds),
		Expiry:    now.Add(time.Duration(exp) * time.Second).Unix(),
		IssuedAt:  now.Unix(),
		Issuer:    i.issuer,
		ID:        string(uuid.NewUUID()),
		NotBefore: now.Unix(),
		Subject:   UserName(sa.Namespace, sa.Name),
		Kubernetes: &privateInfo{
			Namespace:      sa.Namespace,
			ServiceAccount: ref{Name: sa.Name, UID: string(sa.UID)},
		},
	}
	if warnAfter != 0 {
		c.Kubernetes.WarnAfter = now.Add(time.Duration(warnAfter) * time.Second).Unix()
	}
	switch {
	case req.Pod != nil:
		c.Kubernetes.Pod = &ref{Name: req.Pod.Name, UID: string(req.Pod.UID)}
	case req.Secret != nil:
		c.Kubernetes.Secret = &ref{Name: req.Secret.Name, UID: string(req.Secret.UID)}
	}
	if req.Node != nil {
		c.Kubernetes.Node = &ref{Name: req.Node.Name, UID: string(req.Node.UID)}
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return Issued{}, fmt.Errorf("satoken: %w", err)
	}
	tok, err := sign(i.key, i.alg, i.kid, payload)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Token: tok, ExpirationTimestamp: now.Add(time.Duration(req.ExpirationSeconds) * time.Second), ID: c.ID, IssuedAt: now}, nil
}

// isAPIAudiences reports whether auds are exactly the API audiences, in any order.
func (i *Issuer) isAPIAudiences(auds []string) bool {
	a, b := slices.Sorted(slices.Values(auds)), slices.Sorted(slices.Values(i.audiences))
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
