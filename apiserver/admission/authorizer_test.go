package admission

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// recorder is an authorizer that answers with a fixed decision and keeps what it was
// asked.
type recorder struct {
	decision authorizer.Decision
	reason   string
	err      error
	mu       sync.Mutex
	asked    []authorizer.Attributes
}

func (r *recorder) authorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.asked = append(r.asked, a)
		return r.decision, r.reason, r.err
	})
}

func (r *recorder) last(t *testing.T) authorizer.Attributes {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.asked) == 0 {
		t.Fatal("the authorizer was not asked")
	}
	return r.asked[len(r.asked)-1]
}

var alice = auth.User{Name: "alice", UID: "a-1", Groups: []string{"devs", "system:authenticated"}}

// admitWith creates a deployment in namespace "prod" as the user in ctx under one
// Deny policy with validation v, its checks decided by z; it returns the answer.
func admitWith(t *testing.T, ctx context.Context, z authorizer.Authorizer, v admissionregistrationv1.Validation) error {
	t.Helper()
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "authz.example.com"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments", "deployments/scale"}},
			}}}},
			Validations: []admissionregistrationv1.Validation{v},
		},
	}
	binding := admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "authz-binding"},
		Spec:       admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name, ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
	}
	check, err := CheckPolicyExpressions()
	if err != nil {
		t.Fatal(err)
	}
	if err := check(&policy); err != nil {
		t.Fatalf("the policy does not compile: %v", err)
	}
	p, err := NewValidatingPolicies(PolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicyBinding{binding}, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil
		},
		Authorizer: z,
	})
	if err != nil {
		t.Fatal(err)
	}
	deployments := &registry.Resource{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true}
	return p.For(deployments)(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod"}})
}

// wantDenied checks that err is the policy's 422 refusal with message.
func wantDenied(t *testing.T, err error, message string) {
	t.Helper()
	want := "ValidatingAdmissionPolicy 'authz.example.com' with binding 'authz-binding' denied request: " + message
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want 422 %q", err, want)
	}
}

func TestAuthorizerAllowsAuthenticatedUsers(t *testing.T) {
	v := admissionregistrationv1.Validation{
		Expression: "authorizer.group('apps').resource('deployments').namespace(object.metadata.namespace).check('create').allowed()",
		Message:    "not allowed",
	}
	ctx := auth.WithUser(context.Background(), alice)
	if err := admitWith(t, ctx, nil, v); err != nil {
		t.Errorf("authenticated user: %v", err)
	}
	// Without a user (or as the anonymous one) the default authorizer has no
	// opinion, which is not an allow.
	wantDenied(t, admitWith(t, context.Background(), nil, v), "not allowed")
	anon := auth.WithUser(context.Background(), auth.User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}})
	wantDenied(t, admitWith(t, anon, nil, v), "not allowed")
	// The default gives no reason.
	if err := admitWith(t, ctx, nil, admissionregistrationv1.Validation{Expression: "authorizer.requestResource.check('create').reason() == ''"}); err != nil {
		t.Errorf("reason of the default authorizer: %v", err)
	}
}

func TestAuthorizerChecksAsTheRequestUser(t *testing.T) {
	ctx := auth.WithUser(context.Background(), alice)
	r := &recorder{decision: authorizer.DecisionAllow}
	v := admissionregistrationv1.Validation{Expression: "authorizer.group('apps').resource('deployments').subresource('scale').namespace('prod').name('web').check('update').allowed()"}
	if err := admitWith(t, ctx, r.authorizer(), v); err != nil {
		t.Fatal(err)
	}
	a := r.last(t)
	if u := a.GetUser(); u.GetName() != "alice" || u.GetUID() != "a-1" || len(u.GetGroups()) != 2 || u.GetGroups()[0] != "devs" {
		t.Errorf("user %+v, want alice", u)
	}
	if !a.IsResourceRequest() || a.GetAPIGroup() != "apps" || a.GetResource() != "deployments" || a.GetSubresource() != "scale" ||
		a.GetNamespace() != "prod" || a.GetName() != "web" || a.GetVerb() != "update" {
		t.Errorf("asked %+v", a)
	}
}

func TestAuthorizerRequestResource(t *testing.T) {
	ctx := auth.WithUser(context.Background(), alice)
	r := &recorder{decision: authorizer.DecisionDeny, reason: "alice may not"}
	// The message expression reports the reason of the check of the request's own
	// resource.
	err := admitWith(t, ctx, r.authorizer(), admissionregistrationv1.Validation{
		Expression:        "authorizer.requestResource.check('create').allowed()",
		MessageExpression: "'denied: ' + authorizer.requestResource.check('create').reason()",
	})
	wantDenied(t, err, "denied: alice may not")
	a := r.last(t)
	if !a.IsResourceRequest() || a.GetAPIGroup() != "apps" || a.GetResource() != "deployments" || a.GetSubresource() != "" ||
		a.GetNamespace() != "prod" || a.GetName() != "web" || a.GetVerb() != "create" || a.GetUser().GetName() != "alice" {
		t.Errorf("asked %+v", a)
	}
}

func TestAuthorizerErrored(t *testing.T) {
	ctx := auth.WithUser(context.Background(), alice)
	r := &recorder{decision: authorizer.DecisionNoOpinion, err: errors.New("webhook authorizer down")}
	err := admitWith(t, ctx, r.authorizer(), admissionregistrationv1.Validation{
		Expression:        "!authorizer.requestResource.check('create').errored()",
		MessageExpression: "authorizer.requestResource.check('create').error()",
	})
	wantDenied(t, err, "webhook authorizer down")
	// The same authorizer without the error: errored() is false.
	r.err = nil
	if err := admitWith(t, ctx, r.authorizer(), admissionregistrationv1.Validation{Expression: "!authorizer.requestResource.check('create').errored()"}); err != nil {
		t.Error(err)
	}
}

func TestAuthorizerServiceAccountAndPath(t *testing.T) {
	ctx := auth.WithUser(context.Background(), alice)
	r := &recorder{decision: authorizer.DecisionAllow}
	if err := admitWith(t, ctx, r.authorizer(), admissionregistrationv1.Validation{
		Expression: "authorizer.serviceAccount('prod', 'builder').group('').resource('pods').namespace('prod').check('list').allowed()",
	}); err != nil {
		t.Fatal(err)
	}
	a := r.last(t)
	if u := a.GetUser(); u.GetName() != "system:serviceaccount:prod:builder" || len(u.GetGroups()) != 2 ||
		u.GetGroups()[0] != "system:serviceaccounts" || u.GetGroups()[1] != "system:serviceaccounts:prod" {
		t.Errorf("service account check as %+v", u)
	}
	if a.GetResource() != "pods" || a.GetVerb() != "list" || a.GetNamespace() != "prod" {
		t.Errorf("asked %+v", a)
	}
	// A service account is an authenticated user for the default authorizer.
	if err := admitWith(t, context.Background(), nil, admissionregistrationv1.Validation{
		Expression: "authorizer.serviceAccount('prod', 'builder').group('').resource('pods').check('list').allowed()",
	}); err != nil {
		t.Error(err)
	}

	if err := admitWith(t, ctx, r.authorizer(), admissionregistrationv1.Validation{Expression: "authorizer.path('/healthz').check('get').allowed()"}); err != nil {
		t.Fatal(err)
	}
	a = r.last(t)
	if a.IsResourceRequest() || a.GetPath() != "/healthz" || a.GetVerb() != "get" || a.GetUser().GetName() != "alice" {
		t.Errorf("path check %+v", a)
	}
}

// Webhook match conditions see the same authorizer variables.
func TestMatchConditionsAuthorizer(t *testing.T) {
	progs, err := newMatchPrograms()
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithUser(context.Background(), alice)
	a := &registry.Attributes{Operation: admissionregistrationv1.Create, Namespace: "prod", Name: "web",
		Resource: &registry.Resource{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true},
		Object:   &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod"}}}
	req, err := newRequest(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{decision: authorizer.DecisionDeny, reason: "no"}
	h := &hook{matchConditions: []admissionregistrationv1.MatchCondition{{Name: "allowed", Expression: "authorizer.requestResource.check('delete').allowed()"}}}
	ok, err := conditionsMatch(progs, h, func() map[string]any { return matchInput(ctx, r.authorizer(), a, req) })
	if err != nil || ok {
		t.Errorf("denying authorizer: match %v, %v; want false", ok, err)
	}
	if got := r.last(t); got.GetVerb() != "delete" || got.GetResource() != "deployments" || got.GetName() != "web" || got.GetUser().GetName() != "alice" {
		t.Errorf("asked %+v", got)
	}
	ok, err = conditionsMatch(progs, h, func() map[string]any { return matchInput(ctx, AllowAuthenticated{}, a, req) })
	if err != nil || !ok {
		t.Errorf("default authorizer: match %v, %v; want true", ok, err)
	}
}
