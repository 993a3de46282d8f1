// Package controllertest holds the fixtures the controllers' unit tests share: running
// a controller against a fake clientset's informers for the length of one test, and
// waiting for what it writes. Only _test.go files import it.
//
// Invariants: everything Run starts is stopped, and waited for, by the test's
// cleanup; WaitFor polls with a deadline and never sleeps as synchronisation.
package controllertest
