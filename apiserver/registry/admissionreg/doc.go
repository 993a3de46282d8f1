// Package admissionreg holds the rules shared by the admissionregistration.k8s.io
// resources: the defaults and validation of webhooks, of their rules, and of the match
// resources and param references of admission policies.
//
// Kite stores and serves these objects but does not enforce them yet: no webhook is
// called and no policy is evaluated (admission is later work). CEL expressions are
// checked only for presence, never compiled.
//
// Called by the webhook configuration and admission policy packages beside it.
package admissionreg
