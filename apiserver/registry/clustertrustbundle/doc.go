// Package clustertrustbundle holds the rules of certificates.k8s.io/v1
// ClusterTrustBundles: cluster-scoped sets of CA certificates that pods can mount.
//
// Invariants kept by the Strategy:
//   - spec.trustBundle holds one or more distinct PEM CA certificates and nothing else;
//   - a bundle with a signer name is named "<signer with / as :>:<suffix>", and one
//     without has no colon in its name, so the name says whose bundle it is;
//   - spec.signerName never changes.
//
// The name rule depends on spec.signerName, which registry.Resource.ValidateName cannot
// see; the Strategy checks the name in Validate instead.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package clustertrustbundle
