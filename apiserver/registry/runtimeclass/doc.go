// Package runtimeclass holds the rules of node.k8s.io/v1 runtime classes: what the
// generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: handler, the name the node's CRI runtime knows the
// class by, is a DNS-1123 label and never changes after create; scheduling's node
// selector is a valid label set.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package runtimeclass
