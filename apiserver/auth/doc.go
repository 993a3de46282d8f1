// Package auth authenticates API requests: it says who a request comes from, never what
// that user may do (authorization is a separate, later step).
//
// Kite authenticates the way kube-apiserver does, with client certificates and bearer
// tokens. The TLS layer only asks for a certificate (ClientAuth RequestClientCert), and
// Authenticate verifies its chain against the cluster CA, so a bad certificate gets a
// 401 Status rather than a failed handshake. The certificate's common name is the user
// name and its organizations are the groups. A request without a verified certificate
// may carry "Authorization: Bearer TOKEN"; Config.Tokens judges the token (package
// satoken: service-account JWTs; NodeToken: the node token's secret, a bootstrap
// identity in system:bootstrappers that joining agents ask for their certificates with;
// Tokens tries several in turn) and names the user, with its uid and extra. Every
// authenticated user also gets the group system:authenticated.
//
// As upstream's authenticator chain: a request that presented a certificate or a token
// and was not authenticated by it is not authenticated, on any path. A request with
// neither is anonymous. Anonymous requests are allowed only to the exact paths in
// Config.AnonymousPaths, as upstream's structured authentication configuration does
// with anonymous conditions; there they run as user system:anonymous in group
// system:unauthenticated. Everywhere else they are not authenticated, and the server
// answers 401.
//
// The API server's filter chain (package apiserver) calls Authenticate once per request
// and stores the User in the request context with WithUser; handlers, the review APIs
// and the later authorization step read it with UserFrom. TokenReview calls
// AuthenticateToken, which judges a token exactly as a request's would be judged.
package auth
