// Package accessmode holds what persistent volumes and claims share about access modes:
// the modes upstream accepts, their validation, and the short form kubectl prints
// ("RWO,ROX").
//
// Called by apiserver/registry/persistentvolume and persistentvolumeclaim.
package accessmode
