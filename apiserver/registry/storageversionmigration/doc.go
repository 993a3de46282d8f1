// Package storageversionmigration holds the rules of storagemigration.k8s.io/v1
// StorageVersionMigrations: validation, status isolation and table columns, as upstream.
//
// Stored and served only: no controller migrates anything yet (Kite stores every
// resource in one version, so there is nothing to rewrite). Invariants kept by the
// Strategy: the spec is immutable once created, and status changes only through
// /status.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package storageversionmigration
