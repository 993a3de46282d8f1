package server

import (
	"testing"

	"go.uber.org/goleak"
)

// The server proxies streams and follows logs in goroutines; once Serve has returned
// and the clients have gone, none of them may be left.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
