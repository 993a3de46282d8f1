package volumes

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Service-account tokens of projected volumes come from the API's
// serviceaccounts/token subresource, bound to the pod (so they stop working when the
// pod goes), and are renewed, as upstream's token manager renews them, once 80% of
// their lifetime has passed or after a day, whichever is first.

type tokenKey struct {
	uid        types.UID
	sa         string
	audience   string
	expiration int64
}

type token struct {
	value   string
	issued  time.Time
	expires time.Time
}

// maxTokenAge is how long a token is used at most before it is renewed.
const maxTokenAge = 24 * time.Hour

func (t token) due(now time.Time) bool {
	life := t.expires.Sub(t.issued)
	return now.After(t.issued.Add(life*8/10)) || now.After(t.issued.Add(maxTokenAge))
}

// token returns a current token for the projection, requesting a new one when the
// cached one is due.
func (m *Manager) token(ctx context.Context, pod *corev1.Pod, p *corev1.ServiceAccountTokenProjection) (string, error) {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	exp := int64(3600)
	if p.ExpirationSeconds != nil {
		exp = *p.ExpirationSeconds
	}
	key := tokenKey{uid: pod.UID, sa: sa, audience: p.Audience, expiration: exp}
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	t, ok := m.tokens[key]
	m.mu.Unlock()
	if ok && !t.due(now) {
		return t.value, nil
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &exp,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if p.Audience != "" {
		req.Spec.Audiences = []string{p.Audience}
	}
	resp, err := m.cfg.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("failed to fetch token: %w", err)
	}
	t = token{value: resp.Status.Token, issued: now, expires: resp.Status.ExpirationTimestamp.Time}
	if !t.expires.After(now) {
		t.expires = now.Add(time.Duration(exp) * time.Second)
	}
	m.mu.Lock()
	m.tokens[key] = t
	m.mu.Unlock()
	return t.value, nil
}
