package configmap

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the config map rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a config map has no status and no field only
// the server may set.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep from the old object.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing. Upstream's v1 default turns a missing data into an empty map,
// which no encoding shows; doing it here would only make the stored object differ from
// its decoded form, and immutability checks compare the two.
func (Strategy) Default(runtime.Object) {}
