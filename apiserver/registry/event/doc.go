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
// The events.k8s.io/v1 view of the same stored objects is EventsResource: its objects
// are converted to and from core/v1 events at the Store's boundary (ToCore, ToEvents:
// regarding is involvedObject, note is message, the deprecated fields are the old
// form's), so both versions share resourceVersions and watches. EventsStrategy adds
// upstream's stricter events.k8s.io rules: the newer form only, and no changes but
// the series once written.
//
// Called by apiserver/registry's Store (through Resource().Strategy and
// EventsResource().Strategy) and by discovery.
package event
