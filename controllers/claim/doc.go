// Package claim is the one implementation of how a controller takes and lets go of
// the objects its selector picks (upstream's ControllerRefManager): the Deployment,
// ReplicaSet/ReplicationController, StatefulSet, DaemonSet and Job controllers call
// Objects from their sync with their own match, adopt and release functions, and
// build those functions from Adopter, Releaser and Recheck.
//
// Invariants:
//   - an object controlled by another owner is never touched or returned;
//   - an owner being deleted adopts nothing and releases nothing;
//   - an object being deleted is never adopted;
//   - before the first adoption of a sync the owner is read live once (Recheck): the
//     cache may lag behind its deletion or its replacement under the same name, and
//     an owner that is gone or going must not take orphans;
//   - every adopt and release patch carries the object's uid, so an object deleted and
//     recreated under the same name meanwhile is left alone.
package claim
