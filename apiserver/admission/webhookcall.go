package admission

import (
	"context"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"kite/apiserver/webhookclient"
)

// Calling a webhook: POST the review with kite/apiserver/webhookclient (HTTPS against
// the caBundle, a Service reached at a ready endpoint) within the webhook's timeout.

// defaultTimeout is a webhook's timeoutSeconds when it gives none, as upstream.
const defaultTimeout = 10 * time.Second

// timeoutOf is h's timeout.
func timeoutOf(h *hook) time.Duration {
	if h.timeoutSeconds != nil && *h.timeoutSeconds > 0 {
		return time.Duration(*h.timeoutSeconds) * time.Second
	}
	return defaultTimeout
}

// endpointOf reads h's client config.
func endpointOf(h *hook) webhookclient.Endpoint {
	cc := h.client
	e := webhookclient.Endpoint{URL: cc.URL, CABundle: cc.CABundle}
	if s := cc.Service; s != nil {
		e.Service = &webhookclient.Service{Namespace: s.Namespace, Name: s.Name, Path: s.Path, Port: s.Port}
	}
	return e
}

// call sends req to h and returns its answer.
func (w *Webhooks) call(ctx context.Context, h *hook, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	version, err := reviewVersion(h)
	if err != nil {
		return nil, err
	}
	body, err := encodeReview(req, version)
	if err != nil {
		return nil, err
	}
	data, err := webhookclient.Post(ctx, endpointOf(h), timeoutOf(h), w.cfg.Resolve, body)
	if err != nil {
		return nil, err
	}
	return decodeReview(data, req, version)
}
