package kubelet

import (
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Events get a client-side rate limit of their own, as upstream kubelet's
// eventRecordQPS and eventBurst, leaving the agent's own configuration alone.
func TestEventsHaveTheirOwnRateLimit(t *testing.T) {
	api := &rest.Config{Host: "https://127.0.0.1:6443", QPS: 200, Burst: 400, RateLimiter: flowcontrol.NewTokenBucketRateLimiter(200, 400)}
	ev := eventsAPI(api)
	if ev.QPS != 50 || ev.Burst != 100 || ev.RateLimiter != nil {
		t.Errorf("events: QPS %v burst %d limiter %v; want 50, 100 and a limiter of their own", ev.QPS, ev.Burst, ev.RateLimiter)
	}
	if api.QPS != 200 || api.Burst != 400 || api.RateLimiter == nil || ev.Host != api.Host {
		t.Errorf("the agent's configuration changed: %+v", api)
	}
}
