// Package garbagecollector is the garbage collector: it deletes objects whose owners
// are gone and carries out the foreground and orphan deletions the API server records
// as finalizers, as upstream's garbage collector does.
//
// It keeps a graph of every object's ownerReferences, fed by informers over every
// resource that serves list, watch and delete: the controllers' shared informer where
// one watches the resource already, else a metadata-only one (PartialObjectMetadata);
// the set of resources is rediscovered every 30 seconds, so new resources are watched
// and removed ones dropped. Graph changes queue work:
//
//   - attemptToDelete(x): x's owners are looked up live. When one is there and not
//     waiting for its dependents, references to absent or waiting owners are removed
//     from x and x stays. When none is, x is deleted (with the propagation its own
//     finalizers ask for, or foreground when it has dependents and an owner waits on
//     it). A reference whose uid does not match the object of that name (an owner that
//     never existed, or was replaced) is dangling, like one to an absent owner.
//     For an x that is being deleted with the foregroundDeletion finalizer, its
//     dependents that block it (blockOwnerDeletion) are deleted first; once none is
//     left the finalizer is removed and the API server deletes x.
//   - attemptToOrphan(x): x is being deleted with the orphan finalizer; the references
//     to x are removed from its dependents, then the finalizer from x.
//
// Invariants: the collector deletes an object only after reading it and its owners
// live from the API server (the graph only says where to look), deletes with a uid
// precondition, and removes only the foregroundDeletion and orphan finalizers. Workers
// start once every informer has synced.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package garbagecollector
