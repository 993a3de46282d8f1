package apiserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/auth"
	"kite/apiserver/auth/satoken"
	"kite/apiserver/handlers"
	"kite/apiserver/registry"
	"kite/apiserver/registry/accessreview"
	"kite/apiserver/registry/selfsubjectreview"
	"kite/apiserver/registry/serviceaccount"
	"kite/apiserver/registry/tokenreview"
)

// withAuthentication runs next with the request's user in its context, or answers 401
// when the request is not authenticated. A request with Impersonate-* headers runs as
// the user they name: until RBAC is enforced every authenticated user may impersonate,
// as every user may do everything; the anonymous user may not.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := s.authn.Authenticate(r)
		if !ok {
			handlers.Unauthorized(w, r)
			return
		}
		as, impersonating, err := auth.Impersonation(r)
		switch {
		case err != nil:
			// Upstream answers a malformed impersonation with an internal error.
			handlers.WriteStatus(w, apierrors.NewInternalError(err).ErrStatus)
			return
		case impersonating && user.IsAnonymous():
			handlers.WriteStatus(w, apierrors.NewForbidden(schema.GroupResource{Resource: "users"}, as.Name,
				fmt.Errorf("User %q cannot impersonate resource \"users\" in API group \"\" at the cluster scope", user.Name)).ErrStatus)
			return
		case impersonating:
			r = r.Clone(r.Context())
			auth.StripImpersonation(r.Header)
			user = as
		}
		next.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), user)))
	})
}

// buildAuthentication makes the service-account token issuer and the authenticator
// (client certificates, then bearer tokens). The issuer looks objects up in s.stores,
// which buildAPI fills in later; nothing asks before a request arrives.
func (s *Server) buildAuthentication() error {
	key := s.cfg.ServiceAccountKey
	if key == nil {
		// Tests run without a data dir: a key for this process only.
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		key = k
	}
	issuer, err := satoken.New(satoken.Config{Key: key, Objects: storeObjects{s}})
	if err != nil {
		return err
	}
	tokens := auth.Tokens{issuer}
	if s.cfg.NodeToken != "" {
		nt, err := auth.NewNodeToken(s.cfg.NodeToken)
		if err != nil {
			return err
		}
		tokens = append(tokens, nt)
	}
	authn, err := auth.New(auth.Config{ClientCAs: s.cfg.ClientCAs, AnonymousPaths: auth.PublicInfoPaths(), Tokens: tokens})
	if err != nil {
		return err
	}
	s.tokens, s.authn = issuer, authn
	return nil
}

// storeObjects backs the issuer's lookups with the registry stores.
type storeObjects struct{ s *Server }

func (o storeObjects) get(ctx context.Context, resource, ns, name string) (runtime.Object, error) {
	st := storeOf(o.s.stores, schema.GroupResource{Resource: resource})
	if st == nil {
		return nil, fmt.Errorf("apiserver: no %s resource", resource)
	}
	return st.Get(ctx, ns, name, metav1.GetOptions{})
}

func (o storeObjects) ServiceAccount(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	obj, err := o.get(ctx, "serviceaccounts", ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.ServiceAccount), nil
}

func (o storeObjects) Pod(ctx context.Context, ns, name string) (*corev1.Pod, error) {
	obj, err := o.get(ctx, "pods", ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

func (o storeObjects) Secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	obj, err := o.get(ctx, "secrets", ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Secret), nil
}

func (o storeObjects) Node(ctx context.Context, name string) (*corev1.Node, error) {
	obj, err := o.get(ctx, "nodes", "", name)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Node), nil
}

// withIssuerDiscovery serves the service-account issuer's OIDC discovery documents, as
// upstream does at the same paths, to authenticated users (upstream's default RBAC
// grants them to service accounts; Kite allows every authenticated user everything
// until RBAC). The JWKS address named in the configuration is this server at the host
// the client reached it by, which every client of the document can reach; upstream names
// its fixed external address there.
func (s *Server) withIssuerDiscovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		var err error
		contentType := "application/json"
		switch r.URL.Path {
		case satoken.OpenIDConfigurationPath:
			body, err = s.tokens.OpenIDConfiguration("https://" + r.Host + satoken.JWKSPath)
		case satoken.JWKSPath:
			body, err = s.tokens.JWKS()
			contentType = "application/jwk-set+json"
		default:
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			handlers.WriteStatus(w, metav1.Status{Status: metav1.StatusFailure, Code: http.StatusMethodNotAllowed,
				Reason: metav1.StatusReasonMethodNotAllowed, Message: fmt.Sprintf("%s is not supported on %s", r.Method, r.URL.Path)})
			return
		}
		if err != nil {
			s.logger.Error("service-account issuer discovery", "path", r.URL.Path, "err", err)
			handlers.WriteStatus(w, metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
				Reason: metav1.StatusReasonInternalError, Message: "the issuer's keys could not be encoded"})
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// identityAPI returns the identity resources: serviceaccounts/token and the
// authentication and authorization reviews. Until RBAC is enforced the access reviews
// allow everything, as the server does.
func (s *Server) identityAPI() ([]*registry.Action, []*registry.Virtual, error) {
	sa := storeOf(s.stores, schema.GroupResource{Resource: "serviceaccounts"})
	if sa == nil {
		return nil, nil, fmt.Errorf("apiserver: no serviceaccounts resource")
	}
	token, err := serviceaccount.TokenAction(serviceaccount.TokenConfig{Parent: sa.Resource(), Issuer: s.tokens, Objects: storeObjects{s}})
	if err != nil {
		return nil, nil, err
	}
	tr, err := tokenreview.Resource(s.authn)
	if err != nil {
		return nil, nil, err
	}
	ssr, err := selfsubjectreview.Resource(nil)
	if err != nil {
		return nil, nil, err
	}
	reviews, err := accessreview.Resources(accessreview.AllowAll{})
	if err != nil {
		return nil, nil, err
	}
	return []*registry.Action{token}, append([]*registry.Virtual{tr, ssr}, reviews...), nil
}
