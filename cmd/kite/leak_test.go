package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that a server run in the process leaves no goroutine behind once it
// has stopped: the store, the HTTP server and the signal handler all end with it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
