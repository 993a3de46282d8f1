// Package fieldmanager records who owns which fields of an object (metadata.managedFields)
// and performs server-side apply, as kube-apiserver does, with the upstream libraries:
// k8s.io/apimachinery/pkg/util/managedfields and sigs.k8s.io/structured-merge-diff.
//
// A Manager serves one resource. On every write the handlers call Update with the
// object as stored (the live object) and the object about to be stored, or Apply with
// an apply patch; the Manager returns the object to store, carrying managedFields with
// an entry per field manager, operation (Apply or Update), API version and subresource.
// A create calls Create, which records the same entry as an Update from an empty
// object for a fraction of the cost (create.go; TestCreateMatchesUpdateFromEmpty holds
// the two to byte-identical results).
//
// Invariants:
//   - the schemas the merge needs come from apiserver/openapi (the same ones the
//     documents serve) and are built for one resource the first time it is written,
//     not at start-up, so a server is ready at once and pays only for what is used;
//   - Update never fails a write: when the managed fields cannot be computed the live
//     object's are kept, as upstream's UpdateNoErrors does;
//   - managedFields a client sends are used when they decode, ignored (the live ones
//     kept) when they do not, and an empty list resets them, as upstream;
//   - an apply of fields another manager owns fails with upstream's 409 Conflict and
//     its causes, unless forced; the fields a subresource may not change are reset
//     (status for the main resource, spec for status) before ownership is recorded.
//
// A Manager is safe for concurrent use. Called by apiserver/handlers inside the
// registry Store's read-modify-write loop, so that it sees the live object of each try.
package fieldmanager
