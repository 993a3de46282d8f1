// Package statefulset holds the rules of apps/v1 statefulsets: what the generic Store
// needs to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - names are DNS-1123 labels (pod names and hostnames derive from them);
//   - status changes only through the status subresource, and spec never through it;
//   - metadata.generation goes up by one on every change of spec;
//   - the selector, volumeClaimTemplates, serviceName and podManagementPolicy never
//     change after create (upstream 1.37 lists these four rather than the fields that
//     may change).
//
// The scale subresource is not served yet.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package statefulset
