// Package podcertificaterequest holds the rules of certificates.k8s.io/v1
// PodCertificateRequests: the kubelet's request, on behalf of one pod, for a
// certificate from a named signer.
//
// Invariants kept by the Strategy:
//   - the spec never changes after create;
//   - status changes only through the status subresource, which cannot touch the
//     spec, labels or annotations;
//   - at most one of the terminal conditions Issued, Denied and Failed is set, and it
//     is True.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package podcertificaterequest
