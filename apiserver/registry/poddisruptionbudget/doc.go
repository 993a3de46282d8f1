// Package poddisruptionbudget holds the rules of policy/v1 pod disruption budgets:
// what the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - a budget gives minAvailable or maxUnavailable, never both, each a non-negative
//     count or a percentage up to 100%;
//   - status changes only through the status subresource, spec never through it;
//   - metadata.generation goes up by one on every change of spec (the disruption
//     controller reports the generation it has seen).
//
// Computing allowed disruptions is the disruption controller's work, and refusing an
// eviction that would break a budget is the eviction subresource's (it reads budgets
// through the Store).
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery,
// and by pods' eviction.
package poddisruptionbudget
