// Package devicetaintrule holds the rules of resource.k8s.io/v1 DeviceTaintRules:
// cluster-scoped taints that an admin puts on the devices a selector picks.
//
// Invariants kept by the Strategy:
//   - the taint has a key and a known effect, and a time it was added (defaulted to
//     now; moved to now when an update changes the effect without touching it, so the
//     time tracks the current effect);
//   - status changes only through the status subresource, which cannot touch the spec;
//   - a spec change bumps metadata.generation, as upstream.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package devicetaintrule
