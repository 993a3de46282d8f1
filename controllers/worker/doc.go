// Package worker is the loop every controller runs: a rate-limited queue of
// namespace/name keys drained by a fixed number of goroutines, each key handled by one
// goroutine at a time, and failed keys retried with back-off.
//
// Controllers own what goes into the queue (their informer handlers) and what a key
// means (their sync function); this package owns nothing else. It also holds what
// every controller needs around that loop: its event recorder (the broadcaster must be
// stopped with it), the registrations of its handlers on the manager's shared
// informers (Handlers: all or none registered, all removed when the controller stops),
// and the unwrapping of the tombstone a delete handler may be given (Object).
package worker
