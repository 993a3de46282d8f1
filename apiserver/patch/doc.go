// Package patch applies the patches of a PATCH request to an object, as kube-apiserver
// does: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch
// (with the resource's Go type as the schema, so lists merge on their patch keys).
// Server-side apply (application/apply-patch+yaml) is apiserver/fieldmanager's: the
// Patcher only keeps each resource's field manager beside its other patch machinery.
//
// Invariants:
//   - the result is always an object of the resource's Go type in its version, or a
//     Status error with upstream's code: 400 for a patch that cannot be read, 413 for
//     too many operations, 422 for a patch that cannot be applied or whose result is not
//     a valid object;
//   - unknown and duplicate fields follow the request's fieldValidation: Strict refuses
//     them, Warn returns them as warnings, Ignore drops them;
//   - a patch never makes the document grow by more than Config.MaxCopyBytes through
//     JSON patch "copy" operations, so a small request cannot build a huge object.
//
// Called by apiserver/handlers inside the registry Store's read-modify-write loop
// (Store.UpdateWith), so a patch is re-applied to the fresh object after a conflict.
package patch
