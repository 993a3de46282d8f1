package node

import (
	"testing"

	"go.uber.org/goleak"
)

// Run loops on a ticker; once it returns, nothing of it may be left.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
