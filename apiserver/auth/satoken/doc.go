// Package satoken issues and verifies service-account tokens: the JWTs that
// serviceaccounts/token (TokenRequest) hands out and that the API server accepts as
// bearer tokens, as upstream's bound service-account tokens are.
//
// A token is a compact JWS signed with the cluster's service-account key (RS256 for an
// RSA key, as upstream, or ES256 for a P-256 key). Its claims are upstream's: iss, sub
// (system:serviceaccount:NS:NAME), aud, exp, iat, nbf, jti, and the private
// "kubernetes.io" claim naming the namespace, the service account and, when the token is
// bound, the pod (with its node), secret or node, each with its uid.
//
// Invariants: a token verifies only if its signature is the key's, its issuer is the
// configured one, one of its audiences is one the caller accepts, it is within its
// validity (one minute of leeway, as upstream), and the service account and every object
// it is bound to still exist with the uid the token names (an object deleted more than
// the leeway ago counts as gone). The lookups go through the Objects interface, which
// the API server backs with its registry stores.
//
// The API server's authentication (package auth, through Config.Tokens) calls
// Authenticator.AuthenticateToken; the TokenRequest and TokenReview resources call
// Issuer.Issue and AuthenticateToken; the OIDC discovery documents come from
// Issuer.OpenIDConfiguration and Issuer.JWKS.
package satoken
