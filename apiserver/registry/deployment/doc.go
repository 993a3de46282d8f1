// Package deployment holds the rules of apps/v1 deployments: what the generic Store
// needs to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - status changes only through the status subresource, and spec (and labels) never
//     through it;
//   - metadata.generation goes up by one on every change of spec or of annotations
//     (upstream counts annotations because rollbacks were once requested through them);
//   - the selector is given, selects the template's labels, and never changes.
//
// The scale subresource is not served yet. Rolling out is the deployment controller's
// work, not this package's.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package deployment
