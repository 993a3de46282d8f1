// Package e2e tests Kite end to end, through the real `kite` binary and stock kubectl,
// the way a user meets it.
//
// TestMain builds ./cmd/kite once into a temporary directory. Each test starts servers
// on temporary data directories and free loopback ports (traffic stays on 127.0.0.1),
// waits for them by polling /readyz with a deadline, and kills every process it started,
// by PID, in t.Cleanup, also when the test fails.
//
// kubectl comes from the machine: the versioned binaries kubectl.1.27 … kubectl.1.33
// that sit beside the kubectl that PATH finds (after following its symlinks). They run
// with HOME set to a temporary directory so they leave no cache behind.
//
// The package holds tests only; `make test` runs it with the rest (`go test ./...`).
package e2e
