// Package resourcequota holds the rules of core/v1 resource quotas: validation of hard
// limits and scopes, the status subresource (the quota controller's usage) and
// upstream's REQUEST/LIMIT table.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package resourcequota
