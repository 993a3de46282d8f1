package satoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/auth"
)

// errInvalidated is upstream's answer when a bound object is gone or being deleted; it
// does not say which, so a token holder learns nothing about objects it cannot read.
var errInvalidated = errors.New("service account token has been invalidated")

// AuthenticateToken verifies token and returns the service account's user and the
// audiences the token was accepted for (those of its audiences in audiences, or in the
// API audiences when audiences is empty).
//
// A string that is not a token of this issuer (not a JWT, or another iss) fails with
// auth.ErrInvalidToken, so a caller can tell "not ours" from "ours but bad"; every other
// failure says why, as upstream's messages do.
func (i *Issuer) AuthenticateToken(ctx context.Context, token string, audiences []string) (auth.User, []string, error) {
	t, err := decode(token)
	if err != nil {
		return auth.User{}, nil, auth.ErrInvalidToken
	}
	// Upstream looks at the issuer before the signature: another issuer's token is not
	// this authenticator's to judge.
	var c claims
	if json.Unmarshal(t.payload, &c) != nil || c.Issuer != i.issuer {
		return auth.User{}, nil, auth.ErrInvalidToken
	}
	if err := t.verify(i.key.Public(), i.alg); err != nil {
		return auth.User{}, nil, err
	}
	if c.Kubernetes == nil {
		return auth.User{}, nil, errors.New("service account token has no kubernetes.io claim")
	}

	// A token without audiences is meant for the API server, as upstream reads it.
	tokenAuds := c.Audience
	if len(tokenAuds) == 0 {
		tokenAuds = i.audiences
	}
	wanted := audiences
	if len(wanted) == 0 {
		wanted = i.audiences
	}
	var accepted []string
	for _, a := range tokenAuds {
		if slices.Contains(wanted, a) && !slices.Contains(accepted, a) {
			accepted = append(accepted, a)
		}
	}
	if len(accepted) == 0 {
		return auth.User{}, nil, fmt.Errorf("token audiences %q is invalid for the target audiences %q", tokenAuds, wanted)
	}

	now := i.clock.Now()
	switch {
	case now.Add(-leeway).After(time.Unix(c.Expiry, 0)):
		return auth.User{}, nil, errors.New("service account token has expired")
	case c.NotBefore != 0 && now.Add(leeway).Before(time.Unix(c.NotBefore, 0)):
		return auth.User{}, nil, errors.New("service account token is not valid yet")
	}
	user, err := i.checkObjects(ctx, c, now)
	if err != nil {
		return auth.User{}, nil, err
	}
	return user, accepted, nil
}

// checkObjects makes sure the service account and the bound objects still exist with
// the uids in the token, and returns the user.
func (i *Issuer) checkObjects(ctx context.Context, c claims, now time.Time) (auth.User, error) {
	k := c.Kubernetes
	ns, sa := k.Namespace, k.ServiceAccount
	// Objects deleted before this are gone; within the leeway, as upstream, a token
	// still works while its object is finishing deletion.
	deletedBefore := now.Add(-leeway)
	gone := func(m metav1.Object) bool {
		ts := m.GetDeletionTimestamp()
		return ts != nil && ts.Time.Before(deletedBefore)
	}

	account, err := i.objects.ServiceAccount(ctx, ns, sa.Name)
	if err != nil {
		return auth.User{}, err
	}
	if gone(account) {
		return auth.User{}, fmt.Errorf("service account %s/%s has been deleted", ns, sa.Name)
	}
	if string(account.UID) != sa.UID {
		return auth.User{}, fmt.Errorf("service account UID (%s) does not match claim (%s)", account.UID, sa.UID)
	}

	if k.Secret != nil {
		secret, err := i.objects.Secret(ctx, ns, k.Secret.Name)
		if err != nil || gone(secret) {
			return auth.User{}, errInvalidated
		}
		if string(secret.UID) != k.Secret.UID {
			return auth.User{}, fmt.Errorf("secret UID (%s) does not match service account secret ref claim (%s)", secret.UID, k.Secret.UID)
		}
	}

	user := auth.User{
		Name:   UserName(ns, sa.Name),
		UID:    sa.UID,
		Groups: Groups(ns),
		Extra:  map[string][]string{},
	}
	if k.Pod != nil {
		pod, err := i.objects.Pod(ctx, ns, k.Pod.Name)
		if err != nil || gone(pod) {
			return auth.User{}, errInvalidated
		}
		if string(pod.UID) != k.Pod.UID {
			return auth.User{}, fmt.Errorf("pod UID (%s) does not match service account pod ref claim (%s)", pod.UID, k.Pod.UID)
		}
		user.Extra[ExtraPodName] = []string{k.Pod.Name}
		user.Extra[ExtraPodUID] = []string{k.Pod.UID}
	}
	if k.Node != nil {
		// A pod-bound token only reports its pod's node; a token bound to the node
		// itself lives only as long as that node.
		if k.Pod == nil {
			node, err := i.objects.Node(ctx, k.Node.Name)
			if err != nil || gone(node) {
				return auth.User{}, errInvalidated
			}
			if string(node.UID) != k.Node.UID {
				return auth.User{}, fmt.Errorf("node UID (%s) does not match service account node ref claim (%s)", node.UID, k.Node.UID)
			}
		}
		user.Extra[ExtraNode] = []string{k.Node.Name}
		user.Extra[ExtraNodeUID] = []string{k.Node.UID}
	}
	if c.ID != "" {
		user.Extra[ExtraCredID] = []string{"JTI=" + c.ID}
	}
	if len(user.Extra) == 0 {
		user.Extra = nil
	}
	return user, nil
}
