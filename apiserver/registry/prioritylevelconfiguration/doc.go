// Package prioritylevelconfiguration holds the rules of flowcontrol.apiserver.k8s.io/v1
// PriorityLevelConfigurations: defaults, validation, status isolation and table columns,
// as upstream.
//
// Stored and served only: Kite's API server does not queue or limit requests by them
// yet (API priority and fairness is later work). Invariants kept by the Strategy:
// status changes only through /status, spec only through the main resource, and
// metadata.generation counts spec changes.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package prioritylevelconfiguration
