package pods

import (
	"testing"

	"go.uber.org/goleak"
)

// The manager runs informers, workers and the relist loop; once Run returns, none of
// them may be left.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
