package logs

import (
	"testing"

	"go.uber.org/goleak"
)

// Run's loop must end with its context.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
