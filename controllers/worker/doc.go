// Package worker is the loop every controller runs: a rate-limited queue of
// namespace/name keys drained by a fixed number of goroutines, each key handled by one
// goroutine at a time, and failed keys retried with back-off.
//
// Controllers own what goes into the queue (their informer handlers) and what a key
// means (their sync function); this package owns nothing else. It also starts a
// controller's event recorder, because every controller needs one and the broadcaster
// must be stopped with it.
package worker
