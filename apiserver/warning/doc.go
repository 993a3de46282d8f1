// Package warning carries the warnings of one API request to its client, as
// upstream's k8s.io/apiserver/pkg/warning: the REST handler puts a Recorder in the
// request's context, anything on the request's path (the handlers' strict decoding,
// admission webhooks, ValidatingAdmissionPolicy bindings with the Warn action) adds
// texts to it with Add, and the handler writes them as `Warning: 299 - "<text>"`
// headers when it answers, a refusal too.
//
// Invariants: a text is sent at most once per request, in the order first added;
// empty texts and texts that cannot be a header (invalid UTF-8, control characters)
// are dropped; the texts sent add up to at most 4 Ki runes: when more were added, each
// is cut to 256 runes and the ones that no longer fit are dropped, as upstream
// truncates. A Recorder is safe for concurrent use (validating webhooks run in
// parallel). Without a Recorder in the context, Add does nothing.
package warning
