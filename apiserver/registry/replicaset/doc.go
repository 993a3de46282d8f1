// Package replicaset holds the rules of apps/v1 replicasets: what the generic Store
// needs to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - status changes only through the status subresource, and spec never through it;
//   - metadata.generation goes up by one on every change of spec;
//   - the selector is given, selects the template's labels, and never changes.
//
// Lists can select on status.replicas besides the name and namespace, as upstream. The
// scale subresource is not served yet.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package replicaset
