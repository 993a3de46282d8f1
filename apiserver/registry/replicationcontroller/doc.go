// Package replicationcontroller is the strategy of core/v1 replicationcontrollers:
// upstream's defaults (selector and labels from the template, one replica), validation
// (a selector matching the template, restartPolicy Always), status isolation, generation
// and table.
package replicationcontroller
