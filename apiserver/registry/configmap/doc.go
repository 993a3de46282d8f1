// Package configmap holds the rules of core/v1 config maps: what the generic Store needs
// to serve them as upstream does.
//
// Invariants kept by the Strategy: every key of data and binaryData is a valid config
// map key and appears in only one of the two; the values total at most 1 MiB; a config
// map marked immutable keeps its data, its binaryData and its immutable mark for good.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package configmap
