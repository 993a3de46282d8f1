// Package admission holds the admission steps of the API server: what upstream's
// admission plugins do to an object before it is stored, which depends on other objects
// (a pod's RuntimeClass or PriorityClass, say). Each step is a function the apiserver package installs as
// a registry.StoreConfig.Admit hook; it reads what it needs through getter functions,
// never through storage.
//
// MutatingPolicies and ValidatingPolicies enforce MutatingAdmissionPolicies and
// ValidatingAdmissionPolicies on creates (CEL over object, namespaceObject, request
// and variables; no parameter resources yet), not for the admissionregistration
// resources themselves. As upstream orders its plugins, mutating policies run after
// the built-in mutating steps and before the mutating webhooks; validating policies
// after the object passed validation, before the validating webhooks; quota last.
// Webhooks and ValidatingAdmissionPolicy bindings with the Warn action warn the
// client through kite/apiserver/warning.
//
// Webhooks (webhook*.go) calls the admission webhooks of the stored
// MutatingWebhookConfigurations and ValidatingWebhookConfigurations. Unlike the steps
// above it sees every write, not only creates: every Store calls it as its
// registry.Webhooks (mutating before the write is validated, validating just before it
// is stored) on CREATE, UPDATE (the object and its subresources) and DELETE, and the
// pods' attach, exec and portforward actions on CONNECT. A webhook's Service is dialed
// at a ready endpoint from its EndpointSlices (ServiceResolver); the webhook
// configurations themselves never go to webhooks. CheckMatchConditions refuses a
// configuration whose match conditions do not compile.
package admission
