package customresource_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Store the manager drops must let its watch cache go: no goroutine outlives
// the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
