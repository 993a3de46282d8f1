package accessreview

import (
	"context"

	authorizationv1 "k8s.io/api/authorization/v1"
)

// Attributes is what is asked: who, and the resource or non-resource request.
type Attributes struct {
	User   string
	UID    string
	Groups []string
	Extra  map[string]authorizationv1.ExtraValue
	// Exactly one of Resource and NonResource is set.
	Resource    *authorizationv1.ResourceAttributes
	NonResource *authorizationv1.NonResourceAttributes
}

// Decision is an authorizer's answer.
type Decision struct {
	Allowed, Denied bool
	Reason          string
	// EvaluationError reports a failure to decide (the decision stands as given).
	EvaluationError string
}

// Authorizer decides requests and lists what a user may do.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) Decision
	// Rules lists what user may do in namespace; incomplete says the list may miss
	// rules the authorizer cannot enumerate.
	Rules(ctx context.Context, a Attributes, namespace string) (resources []authorizationv1.ResourceRule, nonResources []authorizationv1.NonResourceRule, incomplete bool, err error)
}

// AllowAllReason is the reason AllowAll gives.
const AllowAllReason = "allowed: Kite authorizes every authenticated request until RBAC is enforced"

// AllowAll is the authorizer of a server without RBAC: everything is allowed.
type AllowAll struct{}

// Authorize allows.
func (AllowAll) Authorize(context.Context, Attributes) Decision {
	return Decision{Allowed: true, Reason: AllowAllReason}
}

// Rules are upstream's AlwaysAllow rules: every verb on every resource of every group,
// and every verb on every non-resource URL.
func (AllowAll) Rules(context.Context, Attributes, string) ([]authorizationv1.ResourceRule, []authorizationv1.NonResourceRule, bool, error) {
	return []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
		[]authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
		false, nil
}
