// Package pod holds the rules of core/v1 pods: what the generic Store needs to serve
// them as upstream does (defaults, validation, update limits, table, field selectors).
//
// Invariants kept by the Strategy: a new pod starts Pending with its QoS class computed
// from its containers' resources; an update of the pod changes only the few spec fields
// upstream lets change (images, activeDeadlineSeconds, added tolerations, a negative
// grace period set to 1); status changes only through the status subresource. A pod
// bound to a node and not finished is deleted gracefully (GracePeriod): it stays,
// Terminating, until its kubelet deletes it with grace period 0.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package pod
