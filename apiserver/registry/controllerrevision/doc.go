// Package controllerrevision holds the rules of apps/v1 controllerrevisions: what the
// generic Store needs to serve them as upstream does.
//
// A controller revision is a snapshot of a statefulset's or daemonset's template, kept
// so the controller can roll back. Invariants kept by the Strategy: data is a JSON
// object and never changes once stored; revision is never negative. There is no status
// and no generation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package controllerrevision
