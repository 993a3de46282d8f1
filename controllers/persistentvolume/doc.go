// Package persistentvolume is the PersistentVolume binder, upstream's
// persistentvolume-binder-controller (its events come from "persistentvolume-controller"):
// it binds PersistentVolumeClaims to PersistentVolumes, keeps both objects' phases, and
// reclaims volumes whose claim is gone.
//
// A claim is bound to the smallest Available volume that fits it: the same storage class
// ("" or unset only matches volumes without a class), the claim's access modes contained
// in the volume's (volumes with fewer extra modes first), capacity at least the request,
// the claim's label selector, the same volumeMode and volumeAttributesClassName. A volume
// whose spec.claimRef names the claim, or the volume a claim names in spec.volumeName, is
// taken before any other (pre-binding, both ways). Binding writes, in this order,
// pv.spec.claimRef (with the claim's uid), the volume's phase Bound, pvc.spec.volumeName
// with the annotations pv.kubernetes.io/bind-completed and, when the controller chose the
// pair, pv.kubernetes.io/bound-by-controller on each object, then the claim's status
// (Bound, capacity and accessModes from the volume). Every step is idempotent and each
// write is a compare-and-swap on the object the informer showed, so a sync that lost a
// race fails with a conflict and is retried on fresher objects; a half-done binding is
// finished by the next sync of either object.
//
// Claims of a StorageClass with volumeBindingMode WaitForFirstConsumer wait (event
// WaitForFirstConsumer, or WaitForPodScheduled naming the pods that use the claim and
// are not scheduled yet) until the scheduler picks a node: it sets the claim's
// volume.kubernetes.io/selected-node annotation and pre-binds the volume it chose
// (pv.spec.claimRef), and this controller completes that binding. A claim that has the
// annotation but no pre-bound volume is bound to an Available volume whose nodeAffinity
// admits the selected node.
//
// This controller provisions nothing itself: a claim of a class with an external
// provisioner stays Pending with upstream's ExternalProvisioning event and the
// volume.kubernetes.io/storage-provisioner annotation an external provisioner looks
// for, and the provisioner (Kite's own is controllers/localpath, for the default class
// local-path) creates a volume pre-bound to the claim, which is then bound here; a
// class naming an in-tree or kubernetes.io/no-provisioner provisioner gets
// ProvisioningFailed, as upstream, where no in-tree provisioner is configured.
//
// A claim that asks for no class (spec.storageClassName unset, which the API server's
// DefaultStorageClass admission fills in when a default class exists) and that no
// volume serves gets the default StorageClass once one exists (the newest of those
// annotated storageclass.kubernetes.io/is-default-class: "true"), upstream's
// retroactive default class; a claim of class "" keeps asking for no class.
//
// When a bound claim is deleted its volume becomes Released and its reclaimPolicy runs:
// Retain keeps it Released; Delete deletes the PersistentVolume object of hostPath and
// local volumes only (this controller removes nothing from disk, see reclaim.go) and
// leaves provisioned ones to their provisioner; Recycle, deprecated upstream, marks the
// volume Failed.
//
// Invariants: informer handlers only enqueue; claims and volumes each have one queue
// drained by one worker, so one object is synced by one goroutine at a time; every
// object is re-synced every 15 seconds, as upstream, so a missed event delays but never
// loses a binding.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package persistentvolume
