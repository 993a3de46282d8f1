// Package webhookclient calls the webhooks the API server sends requests to: the
// admission webhooks (kite/apiserver/admission) and the custom resource conversion
// webhooks (kite/apiserver/customresource). Both are configured the same way, by a
// URL or a Service reference and a caBundle, so one client serves both.
//
// A call POSTs a JSON body over HTTPS, verified against the caBundle (the system
// roots when it is empty), within a timeout, on a connection used once. A Service
// reference is dialed at a ready endpoint of the Service (ServiceResolver), while the
// URL and the TLS server name stay the Service's DNS name, <service>.<namespace>.svc,
// which the webhook's certificate names.
//
// Invariants: nothing is kept between calls (no connection pool), so a changed
// configuration takes effect at the next call. It knows nothing of the reviews it
// carries: its callers encode and check them.
package webhookclient
