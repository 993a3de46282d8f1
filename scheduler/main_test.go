package scheduler

import (
	"testing"

	"go.uber.org/goleak"
)

// The queue's waiters must not outlive the tests that start them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
