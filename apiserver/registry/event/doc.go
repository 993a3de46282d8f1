// Package event holds the rules of core/v1 events: what the generic Store needs to serve
// them as upstream does.
//
// Events are written by every component and read by people, so upstream validates
// core/v1 events leniently, for compatibility with old clients: the checks here are
// those (the involved object's namespace must match the event's; events with an
// eventTime, the newer form, must name their reporter, action and reason within
// limits). Names need only be usable as a path segment. Stored events expire after an
// hour, as with kube-apiserver's default --event-ttl.
//
// The events.k8s.io/v1 view of the same objects, with its stricter rules, is another
// resource.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package event
