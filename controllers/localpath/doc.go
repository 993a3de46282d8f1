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
// <node's storage dir>/pvc-<uid>_<namespace>_<name>, with nodeAffinity to that node, the
// claim's size, access modes and volume mode, the class's reclaim policy and mount
// options, pre-bound to the claim (spec.claimRef); the binder then completes the
// binding. A node's storage dir is the one its agent announces in the Node annotation
// kite.io/local-path-storage-dir (<agent data-dir>/storage), else StorageDir. Events on
// the claim are upstream's: Provisioning, then ProvisioningSucceeded or
// ProvisioningFailed.
//
// Every volume it makes carries the finalizer kite.io/local-path-cleanup (volumes made
// before the finalizer existed get it at the next sync). When such a volume is
// Released and its reclaim policy is Delete (the binder leaves provisioned volumes to
// their provisioner), the controller deletes the PersistentVolume object; the node
// agent of the volume's node (kubelet/volumes, for every node alike: the server's own,
// a joined one; a simulated node has no directory) sees it being deleted, removes the
// directory when its path is exactly the one made for that claim under its storage
// dir, and removes the finalizer. The object is gone only then, so a failed removal
// leaves a Terminating volume to look at rather than a directory nothing points to.
// When the volume's Node no longer exists, no agent will ever finish it: this
// controller drops the finalizer itself (with a VolumeFailedDelete event), as upstream
// garbage-collects the pods of a deleted Node; the directory, if that machine still
// has it, is left. For a node that is only down, the volume waits for it; removing the
// finalizer by hand (kubectl patch pv NAME --type=json
// -p '[{"op":"remove","path":"/metadata/finalizers/0"}]') lets it go at once.
//
// Only the directories of LocalNode's volumes are made here (mode 0777, so pods
// running as any user can write); on other nodes the agent makes them, with the same
// mode, when it first mounts the volume. Started with --disable-controllers=local-path, kite server runs
// neither this controller nor creates the class.
//
// Invariants: informer handlers only enqueue; one worker syncs claims and one syncs
// volumes, so one object is handled by one goroutine at a time; the volume's name is
// derived from the claim's uid, so a repeated sync finds the volume it already made
// instead of making a second.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package localpath
