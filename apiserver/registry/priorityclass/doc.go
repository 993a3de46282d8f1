// Package priorityclass holds the rules of scheduling.k8s.io/v1 priority classes: what
// the generic Store needs to serve them as upstream does, and the two built-in classes
// the server creates at bootstrap (SystemPriorityClasses).
//
// Invariants kept by the Strategy: names starting with "system-" belong to the
// built-ins and only with the built-ins' value and globalDefault; user classes stay at
// or below one billion; value and preemptionPolicy never change after create. That at
// most one class is the global default is upstream's admission's job, not this package's.
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery, and
// by the server's bootstrap (SystemPriorityClasses).
package priorityclass
