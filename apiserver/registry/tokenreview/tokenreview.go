package tokenreview

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// Authenticator judges a token as a request's bearer token is judged (auth.Authenticator
// is one).
type Authenticator interface {
	AuthenticateToken(ctx context.Context, token string, audiences []string) (auth.User, []string, error)
}

// Resource returns the tokenreviews resource, answering with authn.
func Resource(authn Authenticator) (*registry.Virtual, error) {
	if authn == nil {
		return nil, errors.New("tokenreview: an Authenticator is required")
	}
	return registry.NewVirtual(&registry.Virtual{
		Resource: &registry.Resource{
			Group:        authenticationv1.GroupName,
			Version:      "v1",
			Resource:     "tokenreviews",
			Kind:         "TokenReview",
			SingularName: "tokenreview",
			New:          func() runtime.Object { return &authenticationv1.TokenReview{} },
		},
		Create: func(ctx context.Context, namespace string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
			return review(ctx, authn, namespace, obj)
		},
	})
}

func review(ctx context.Context, authn Authenticator, namespace string, obj runtime.Object) (runtime.Object, error) {
	tr, ok := obj.(*authenticationv1.TokenReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a TokenReview: %T", obj))
	}
	if namespace != "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("namespace is not allowed on this type: %v", namespace))
	}
	if tr.Spec.Token == "" {
		return nil, apierrors.NewBadRequest("token is required for TokenReview in authentication")
	}
	out := tr.DeepCopy()
	out.Status = authenticationv1.TokenReviewStatus{}
	user, auds, err := authn.AuthenticateToken(ctx, tr.Spec.Token, tr.Spec.Audiences)
	if err != nil {
		out.Status.Error = err.Error()
		return out, nil
	}
	out.Status.Authenticated = true
	out.Status.Audiences = auds
	out.Status.User = UserInfo(user)
	return out, nil
}

// UserInfo is u as the authentication API writes a user.
func UserInfo(u auth.User) authenticationv1.UserInfo {
	info := authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if len(u.Extra) > 0 {
		info.Extra = make(map[string]authenticationv1.ExtraValue, len(u.Extra))
		for _, k := range slices.Sorted(maps.Keys(u.Extra)) {
			info.Extra[k] = slices.Clone(u.Extra[k])
		}
	}
	return info
}
