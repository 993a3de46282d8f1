// Package persistentvolume holds the rules of core/v1 persistent volumes: defaults,
// validation (capacity, access modes, exactly one volume source), the status
// subresource and upstream's table columns.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package persistentvolume
