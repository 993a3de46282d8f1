// Package resourceclaimtemplate holds the rules of resource.k8s.io/v1
// ResourceClaimTemplates: namespaced blueprints from which a ResourceClaim is made per
// pod. The template's spec never changes after create; it holds a claim's metadata
// and spec, defaulted and validated as a ResourceClaim's are.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package resourceclaimtemplate
