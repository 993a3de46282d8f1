// Package volumeattachment holds the rules of storage.k8s.io/v1 volume attachments:
// what the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: an attachment names its attacher, its node and
// exactly one source; its spec never changes after creation; status changes only
// through /status.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package volumeattachment
