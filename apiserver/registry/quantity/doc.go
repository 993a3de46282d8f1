// Package quantity checks resource quantities (capacity, requests, quota and limit
// values) with upstream's field errors, so every resource that carries a ResourceList
// reports a bad value in the same words.
//
// Called by the strategies of nodes, persistent volumes and claims, resource quotas and
// limit ranges.
package quantity
