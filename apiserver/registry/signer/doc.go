// Package signer checks certificate signer names ("example.com/my-signer"), which
// certificates.k8s.io objects (CertificateSigningRequests, ClusterTrustBundles,
// PodCertificateRequests) all carry in spec.signerName.
//
// The rules and messages are upstream's, so a bad signer name fails the same way on
// every resource that names one. Called by the csr, clustertrustbundle and
// podcertificaterequest registry packages.
package signer
