// Package mutatingadmissionpolicybinding holds the rules of admissionregistration.k8s.io/v1
// MutatingAdmissionPolicyBindings: defaults, validation and table columns, as upstream.
//
// Stored and served only: Kite does not evaluate the bound policies yet (admission is
// later work). Invariants kept by the Strategy: the spec is defaulted and valid, and
// metadata.generation counts spec changes.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package mutatingadmissionpolicybinding
