// Package history keeps a controller's ControllerRevisions: the snapshots of a
// workload's template that StatefulSets (and later DaemonSets) roll between, and that
// `kubectl rollout history|undo` reads and applies.
//
// A revision is named `<parent>-<hash>`, where the hash is FNV-32 over the revision's
// data (and the parent's collisionCount, when a name is taken by a revision with other
// data), encoded with apimachinery's safe alphabet, as upstream's controller history
// does, so names look the same as on any cluster. Its labels are the template's labels
// plus controller.kubernetes.io/hash; its controller is the parent.
//
// The pure functions (NewRevision, Hash, Name, Equal, FindEqual, Sort, Next, Surplus)
// decide; History carries the decisions out through the API: list what a parent owns
// (or what no one owns and its selector matches), create with collision handling,
// renumber, adopt, release, delete.
//
// Invariants: History reads from a ControllerRevision lister and writes through the
// client; it never mutates an object it got from the lister. Revision numbers only
// grow: going back to an old template renumbers that old revision instead of making a
// copy.
//
// Called by the StatefulSet controller (package statefulset).
package history
