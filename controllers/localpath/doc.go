// Package localpath is Kite's built-in dynamic provisioner, in the manner of k3s's
// local-path provisioner: volumes are directories on the node that first uses them.
//
// At start it creates the StorageClass local-path (provisioner kite.io/local-path,
// volumeBindingMode WaitForFirstConsumer, reclaimPolicy Delete, annotated as the
// cluster's default class) unless a class of that name exists; a user's changes to the
// class, or its deletion, hold until the next start.
//
// Provisioning follows the shape of upstream's external-provisioner. The binder
// (controllers/persistentvolume) marks a claim it cannot bind with the
// volume.kubernetes.io/storage-provisioner annotation naming its class's provisioner;
// the scheduler sets volume.kubernetes.io/selected-node once it picked a node for the
// first pod using the claim. For a claim that has both, this controller creates the
// PersistentVolume pvc-<claim uid>: a hostPath volume (type DirectoryOrCreate, so the
// node agent makes the directory when it first mounts it) at
// <StorageDir>/pvc-<uid>_<namespace>_<name>, with nodeAffinity to that node, the
// claim's size, access modes and volume mode, the class's reclaim policy and mount
// options, pre-bound to the claim (spec.claimRef); the binder then completes the
// binding. Events on the claim are upstream's: Provisioning, then ProvisioningSucceeded
// or ProvisioningFailed.
//
// When such a volume is Released and its reclaim policy is Delete (the binder leaves
// provisioned volumes to their provisioner), the controller removes the volume's
// directory if the volume is on LocalNode, the node agent of this same process, and
// then deletes the PersistentVolume object. It removes nothing but a directory whose
// path is exactly the one it would have made for that volume's claim, under StorageDir;
// on another node the directory is left in place (Kite has no helper pod to remove it
// there) and only the object goes.
//
// Invariants: informer handlers only enqueue; one worker syncs claims and one syncs
// volumes, so one object is handled by one goroutine at a time; the volume's name is
// derived from the claim's uid, so a repeated sync finds the volume it already made
// instead of making a second.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package localpath
