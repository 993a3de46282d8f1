package admission

import "kite/apiserver/webhookclient"

// The Service resolution and the HTTPS call live in kite/apiserver/webhookclient,
// which the conversion webhooks of custom resources use too; these names keep the
// admission package's API as it was.

// ResolveFunc returns the address (host:port) to dial for port port of Service
// namespace/name.
type ResolveFunc = webhookclient.ResolveFunc

// ServiceResolver finds a ready endpoint of a webhook's Service.
type ServiceResolver = webhookclient.ServiceResolver
