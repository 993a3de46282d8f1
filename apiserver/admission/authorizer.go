package admission

import (
	"context"
	"slices"

	"github.com/google/cel-go/common/types/ref"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/cel/library"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// The authorizer variables of policy expressions and webhook match conditions, as
// upstream binds them: authorizer (typed kubernetes.authorization.Authorizer: checks
// for the request's user, path(...), group(...).resource(...), serviceAccount(...)) and
// authorizer.requestResource (typed kubernetes.authorization.ResourceCheck: the check
// of the request's own group, resource, subresource, namespace and name). The values
// and their functions are upstream's Authz library (k8s.io/apiserver/pkg/cel/library);
// Kite supplies only the user and the authorizer that decides.

// AllowAuthenticated is the authorizer that CEL expressions ask while Kite enforces
// no authorization: it allows every request of an authenticated user (decision
// Allow, no reason) and has no opinion on the anonymous user's, which is what the
// API server itself does today. RBAC will replace it; until then a policy that asks
// `authorizer...check(verb).allowed()` sees true for every user the request could
// come from.
type AllowAuthenticated struct{}

var _ authorizer.Authorizer = AllowAuthenticated{}

// Authorize allows a, unless its user is missing or anonymous.
func (AllowAuthenticated) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	u := a.GetUser()
	if u == nil || u.GetName() == "" || u.GetName() == user.Anonymous || slices.Contains(u.GetGroups(), user.AllUnauthenticated) {
		return authorizer.DecisionNoOpinion, "", nil
	}
	return authorizer.DecisionAllow, "", nil
}

// ConditionsAwareAuthorize is Authorize: this authorizer never returns conditions.
func (z AllowAuthenticated) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(z.Authorize(ctx, a))
}

// EvaluateConditions fails closed, as the interface asks of an authorizer without
// conditions.
func (AllowAuthenticated) EvaluateConditions(context.Context, authorizer.ConditionsAwareDecision, authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "", authorizer.ErrorConditionEvaluationNotSupported
}

// Names of the authorizer variables; the second is one qualified name, resolved
// before CEL would look for a field of the first.
const (
	authorizerVar      = "authorizer"
	requestResourceVar = "authorizer.requestResource"
)

// authorizerInput sets the authorizer variables of the request a in in: checks as the
// request's user (the one auth stored in ctx), decided by z.
func authorizerInput(ctx context.Context, z authorizer.Authorizer, a *registry.Attributes, in map[string]any) {
	u := userInfo(ctx)
	in[authorizerVar] = library.NewAuthorizerVal(u, z)
	in[requestResourceVar] = requestResourceVal(u, z, a)
}

// requestResourceVal is authorizer.requestResource for a.
func requestResourceVal(u user.Info, z authorizer.Authorizer, a *registry.Attributes) ref.Val {
	r := requestedResource{namespace: a.Namespace, name: a.Name, subresource: a.Subresource}
	if a.Resource != nil {
		r.gvr = a.Resource.GroupVersionResource()
	}
	return library.NewResourceAuthorizerVal(u, z, r)
}

// userInfo is the request's user as k8s.io/apiserver's user.Info; the anonymous user
// when ctx carries none.
func userInfo(ctx context.Context) user.Info {
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}
	}
	return &user.DefaultInfo{Name: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}

// requestedResource is what the Authz library needs to know of the request's own
// resource (its library.Resource).
type requestedResource struct {
	gvr                          schema.GroupVersionResource
	namespace, name, subresource string
}

func (r requestedResource) GetName() string                          { return r.name }
func (r requestedResource) GetNamespace() string                     { return r.namespace }
func (r requestedResource) GetResource() schema.GroupVersionResource { return r.gvr }
func (r requestedResource) GetSubresource() string                   { return r.subresource }
