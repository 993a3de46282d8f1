// Package persistentvolumeclaim holds the rules of core/v1 persistent volume claims:
// defaults, validation (access modes, requested storage, a spec fixed after creation
// but for expansion and binding), the status subresource and upstream's table.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package persistentvolumeclaim
