// Package certificatesigningrequest holds the rules of certificates.k8s.io/v1
// CertificateSigningRequests: what the generic Store needs to serve them as upstream
// does.
//
// Invariants kept by the Strategy:
//   - spec.username and spec.groups always name who created the request (taken from
//     the authenticated user at create, whatever the client sent);
//   - the spec never changes after create, and status changes only through the status
//     subresource;
//   - through status, Approved and Denied conditions can be neither added nor changed
//     (that is the approval subresource's job) and a certificate, once issued, stays.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package certificatesigningrequest
