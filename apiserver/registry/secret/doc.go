// Package secret holds the rules of core/v1 secrets: what the generic Store needs to
// serve them as upstream does.
//
// Invariants kept by the Strategy: a secret is stored with a type (Opaque by default)
// that never changes afterwards; stringData is never stored, it is merged into data
// first (upstream does this while decoding; Kite keeps versioned objects, so the
// Strategy does it); data keys are valid and total at most 1 MiB; each well-known type
// has the keys it needs; a secret marked immutable keeps its data and its mark.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package secret
