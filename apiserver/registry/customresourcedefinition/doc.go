// Package customresourcedefinition holds the rules of apiextensions.k8s.io/v1
// CustomResourceDefinitions: defaults, validation (upstream's own, from
// k8s.io/apiextensions-apiserver: names, group, versions with exactly one storage
// version, structural schemas, immutable scope, ...), status isolation and the
// deletion that waits for the definition's objects to be removed.
//
// Invariants kept by the Strategy: status changes only through /status;
// status.storedVersions always holds the current storage version; a deleted definition
// becomes Terminating and stays until its instances are gone, which the custom
// resource manager (apiserver/customresource) records by setting the Terminating
// condition to False with reason InstanceDeletionCompleted (upstream's finalizer
// customresourcecleanup.apiextensions.k8s.io plays that part).
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery and
// by apiserver/customresource, which serves what the definitions define.
package customresourcedefinition
