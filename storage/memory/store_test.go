package memory_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"kite/storage"
	"kite/storage/memory"
	"kite/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newStore(t *testing.T) storage.Interface {
	s := memory.New(memory.Config{TTLSweepInterval: 50 * time.Millisecond})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storagetest.Run(t, newStore)
}

// TestDifferential runs the model against itself. It cannot find a bug in the model,
// but it keeps the harness honest: a run must be deterministic and free of false
// differences, and TestSuiteCatchesMutants shows the harness does find real ones.
func TestDifferential(t *testing.T) {
	seed := storagetest.Seed(t)
	storagetest.RunDifferential(t, newStore(t), newStore(t), seed, 3000)
}
