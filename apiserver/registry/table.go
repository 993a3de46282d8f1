package registry

import (
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// Age formats how long before now t was, as upstream's printers fill AGE and LAST SEEN
// cells ("5m", "3d4h"); a zero t is "<unknown>".
func Age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}
