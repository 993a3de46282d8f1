// Package validatingwebhookconfiguration holds the rules of admissionregistration.k8s.io/v1
// ValidatingWebhookConfigurations: defaults, validation and table columns, as upstream.
//
// Stored and served only: Kite does not call the webhooks yet (admission is later
// work). Invariants kept by the Strategy: every webhook is defaulted and valid, names
// are unique within a configuration, and metadata.generation counts webhook changes.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package validatingwebhookconfiguration
