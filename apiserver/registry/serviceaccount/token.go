package serviceaccount

import (
	"context"
	"errors"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/auth/satoken"
	"kite/apiserver/registry"
)

// Lifetimes of a TokenRequest, as upstream: the default of spec.expirationSeconds and
// the bounds its validation enforces.
const (
	DefaultTokenSeconds = 60 * 60
	minTokenSeconds     = 10 * 60
	maxTokenSeconds     = 1 << 32
)

// TokenConfig is what the token subresource needs.
type TokenConfig struct {
	// Parent is the serviceaccounts resource as its Store serves it. Default:
	// Resource().
	Parent *registry.Resource
	// Issuer signs the tokens. Required.
	Issuer *satoken.Issuer
	// Objects reads the service account and the object a token is bound to; its
	// errors are answered as they are (Status errors: 404 for a missing account).
	// Required.
	Objects satoken.Objects
}

// TokenAction is serviceaccounts/token: a POST of an authentication.k8s.io/v1
// TokenRequest answers with a signed token for the service account, as upstream's
// TokenRequest API does.
func TokenAction(cfg TokenConfig) (*registry.Action, error) {
	if cfg.Issuer == nil || cfg.Objects == nil {
		return nil, errors.New("serviceaccount: TokenConfig needs Issuer and Objects")
	}
	if cfg.Parent == nil {
		cfg.Parent = Resource()
	}
	t := tokens{cfg}
	a := &registry.Action{
		Resource:    cfg.Parent,
		Subresource: "token",
		Kind:        authenticationv1.SchemeGroupVersion.WithKind("TokenRequest"),
		New:         func() runtime.Object { return &authenticationv1.TokenRequest{} },
		Create:      t.create,
	}
	return a, a.Check()
}

type tokens struct{ TokenConfig }

var tokenRequestKind = schema.GroupKind{Group: authenticationv1.GroupName, Kind: "TokenRequest"}

func (t tokens) create(ctx context.Context, namespace, name string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*authenticationv1.TokenRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a TokenRequest: %T", obj))
	}
	req = req.DeepCopy()
	if namespace == "" {
		return nil, apierrors.NewBadRequest("namespace is required")
	}
	// The body may name the account, but only the one in the URL.
	if req.Name != "" && req.Name != name {
		return nil, apierrors.NewInvalid(tokenRequestKind, name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "name"), req.Name, "must match the service account name if specified")})
	}
	if req.Namespace != "" && req.Namespace != namespace {
		return nil, apierrors.NewInvalid(tokenRequestKind, name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "namespace"), req.Namespace, "must match the service account namespace if specified")})
	}
	sa, err := t.Objects.ServiceAccount(ctx, namespace, name)
	if err != nil {
		return nil, err
	}

	if req.Spec.ExpirationSeconds == nil {
		req.Spec.ExpirationSeconds = new(int64(DefaultTokenSeconds))
	}
	if len(req.Spec.Audiences) == 0 {
		req.Spec.Audiences = t.Issuer.APIAudiences()
	}
	req.Name, req.Namespace = sa.Name, sa.Namespace
	req.Status = authenticationv1.TokenRequestStatus{}
	if errs := validateTokenRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(tokenRequestKind, "", errs)
	}

	issue := satoken.Request{ServiceAccount: sa, Audiences: req.Spec.Audiences, ExpirationSeconds: *req.Spec.ExpirationSeconds}
	if ref := req.Spec.BoundObjectRef; ref != nil {
		if err := t.bind(ctx, namespace, name, ref, &issue); err != nil {
			return nil, err
		}
	}
	tok, err := t.Issuer.Issue(issue)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("failed to generate token: %w", err))
	}
	req.CreationTimestamp = metav1.NewTime(tok.IssuedAt)
	req.Status = authenticationv1.TokenRequestStatus{Token: tok.Token, ExpirationTimestamp: metav1.NewTime(tok.ExpirationTimestamp)}
	return req, nil
}

// bind looks up the object a token is to be bound to and records it in issue, with
// upstream's checks: a pod must run as this account, and a uid given must be the
// object's.
func (t tokens) bind(ctx context.Context, namespace, name string, ref *authenticationv1.BoundObjectReference, issue *satoken.Request) error {
	gvk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind)
	var uid types.UID
	switch {
	case gvk.Group == "" && gvk.Kind == "Pod":
		pod, err := t.Objects.Pod(ctx, namespace, ref.Name)
		if err != nil {
			return err
		}
		if pod.Spec.ServiceAccountName != name {
			return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", name))
		}
		issue.Pod, uid = pod, pod.UID
		// The pod's node goes into the token too; a node that cannot be read is left
		// out, as upstream leaves it.
		if pod.Spec.NodeName != "" {
			if node, err := t.Objects.Node(ctx, pod.Spec.NodeName); err == nil {
				issue.Node = node
			}
		}
	case gvk.Group == "" && gvk.Kind == "Secret":
		secret, err := t.Objects.Secret(ctx, namespace, ref.Name)
		if err != nil {
			return err
		}
		issue.Secret, uid = secret, secret.UID
	case gvk.Group == "" && gvk.Kind == "Node":
		node, err := t.Objects.Node(ctx, ref.Name)
		if err != nil {
			return err
		}
		issue.Node, uid = node, node.UID
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to object of type %s", name, gvk.String()))
	}
	if ref.UID != "" && ref.UID != uid {
		return apierrors.NewConflict(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, ref.Name,
			fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
	}
	return nil
}

// validateTokenRequest checks the lifetime as upstream's validation does.
func validateTokenRequest(req *authenticationv1.TokenRequest) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "expirationSeconds")
	switch exp := *req.Spec.ExpirationSeconds; {
	case exp < minTokenSeconds:
		errs = append(errs, field.Invalid(p, exp, "may not specify a duration less than 10 minutes"))
	case exp > maxTokenSeconds:
		errs = append(errs, field.Invalid(p, exp, "may not specify a duration larger than 2^32 seconds"))
	}
	return errs
}
