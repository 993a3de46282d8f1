// Package driverparams validates what storage classes and volume attributes classes
// share: the name of the driver (provisioner) they hand volumes to and the opaque
// parameters passed to it.
//
// Invariant: the messages and field paths are upstream's, so `kubectl apply` of an
// invalid class reads the same as against kube-apiserver.
//
// Called by apiserver/registry/storageclass and apiserver/registry/volumeattributesclass.
package driverparams
