package nodeproxy

import (
	"testing"

	"go.uber.org/goleak"
)

// Log streams and proxied requests end with their requests: no goroutine may outlive
// the tests' servers and connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
