// Package csrsigning approves and signs the CertificateSigningRequests of node agents,
// as upstream's csrapproving and csrsigning controllers do for kubelets: it is how a
// `kite agent` on another machine gets its identity from a node token (TLS bootstrap).
//
// Two signers are served: kubernetes.io/kube-apiserver-client-kubelet (a node's client
// certificate, system:node:NAME in system:nodes) and kubernetes.io/kubelet-serving (the
// node agent's HTTPS certificate, which the API server verifies when it streams logs
// and exec). CSRs for other signers are left alone.
//
// Approval (policy.go): a client CSR is approved when its requester is a bootstrap
// identity (group system:bootstrappers, what a node token authenticates as) or the node
// itself renewing (user == the requested common name); a serving CSR when the node
// itself asks for it and names no other host than itself and localhost. Upstream asks a SubjectAccessReview here; until Kite enforces
// RBAC the requester's groups and name decide. Other CSRs wait for a human
// (`kubectl certificate approve`), and are signed once approved if they have the
// signer's shape.
//
// Signing (shape.go): the request must have the shape the signer allows (upstream's
// rules: subject, SANs, usages); one that does not gets the Failed condition. The
// certificate lives spec.expirationSeconds, at most MaxTTL (`kite server
// --cluster-signing-duration`, a year by default), never past the CA. A CSR that
// has a certificate, or is denied or failed, is never touched again.
//
// Called by the controller manager (package controllers) while it holds the Lease, when
// the manager was given the CA (pki.LoadCA).
package csrsigning
