package storagebench

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a load, a store or the etcd client leaves goroutines behind:
// the loads start writers and watchers, and a leaked one would skew the next benchmark.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
