// Package daemonset holds the rules of apps/v1 daemonsets: what the generic Store needs
// to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - status changes only through the status subresource, and spec never through it;
//   - metadata.generation goes up by one on every change of spec, and the deprecated
//     template generation (server-owned, starting at 1, kept in the annotation
//     deprecated.daemonset.template.generation as apps/v1 shows it) on every change of
//     the pod template;
//   - the selector is given, selects the template's labels, and never changes.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package daemonset
