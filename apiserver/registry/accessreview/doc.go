// Package accessreview serves the authorization.k8s.io/v1 reviews: subjectaccessreviews
// (may this user do this?), selfsubjectaccessreviews (may I?), localsubjectaccessreviews
// (a subjectaccessreview within one namespace) and selfsubjectrulesreviews (what may I
// do in this namespace?). Nothing is stored: a POST answers the review with its status.
//
// The answer comes from an Authorizer. Until Kite enforces RBAC every authenticated
// request is allowed, so the server wires AllowAll, whose decisions are "allowed" with a
// reason saying so and whose rules are upstream's AlwaysAllow rules (every verb on
// every resource and URL). Validation is upstream's: field errors answer 422 Invalid, a
// namespace that does not fit the request answers 400.
//
// Called by the handlers through the registry.Virtual values Resources returns.
package accessreview
