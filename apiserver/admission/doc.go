// Package admission holds the admission steps of the API server: what upstream's
// admission plugins do to an object before it is stored, which depends on other objects
// (a pod's RuntimeClass or PriorityClass, say). Each step is a function the apiserver package installs as
// a registry.StoreConfig.Admit hook; it reads what it needs through getter functions,
// never through storage.
//
// MutatingPolicies and ValidatingPolicies enforce MutatingAdmissionPolicies and
// ValidatingAdmissionPolicies (policy*.go: the walk over bindings, parameters and the
// CEL input shared by both) on every write a Store admits: CREATE, UPDATE of an object
// and its subresources, DELETE (oldObject set, object null) and CONNECT, with the
// request's user (request.userInfo, extra included), match conditions, variables,
// paramKind/paramRef parameters, upstream's CEL libraries and its authorizer variables
// (authorizer.go: checks decided by AllowAuthenticated until RBAC), matching
// equivalent resources under matchPolicy Equivalent as the webhooks do. They run
// inside Webhooks (WebhookConfig.MutatingPolicies, ValidatingPolicies), just before the
// mutating and the validating webhooks, as upstream orders its plugins; like the
// webhooks they skip the admissionregistration resources themselves.
// CheckPolicyExpressions refuses a policy whose expressions do not compile;
// TypeCheckPolicies type-checks a new ValidatingAdmissionPolicy against the schemas of
// the kinds it matches (custom resources against their definition's schema) and writes
// status.typeChecking, and TypeCheckNewGenerations does it again at each write of a
// new generation. Kite has no audit log: audit annotations are evaluated and
// dropped.
//
// The built-in steps with a validating half (LimitRanger, RuntimeClass, Priority for
// PriorityClasses) return it beside the mutating one; the Store runs it as its
// AdmitValidate hook, after the mutating webhooks, so that what a webhook set is
// judged too.
//
// Webhooks (webhook*.go) calls the admission webhooks of the stored
// MutatingWebhookConfigurations and ValidatingWebhookConfigurations. Unlike the
// built-in steps it sees every write, not only creates: every Store calls it as its
// registry.Webhooks (mutating before the write is validated, validating just before it
// is stored) on CREATE, UPDATE (the object and its subresources) and DELETE, the
// subresources with a body of their own (deployments/scale as a Scale, pods/binding
// and pods/eviction) with that body, and the pods' attach, exec and portforward
// actions on CONNECT. A webhook's Service is dialed
// at a ready endpoint from its EndpointSlices (ServiceResolver); the webhook
// configurations themselves never go to webhooks. CheckMatchConditions refuses a
// configuration whose match conditions do not compile. With matchPolicy Equivalent (the
// default) a webhook also sees requests for the resources equivalent to those its
// rules name (ServedEquivalents: autoscaling/v1 and v2 horizontalpodautoscalers, core
// and events.k8s.io events, the versions of a custom resource), converted to the kind
// its rule names (webhookequivalent.go).
package admission
