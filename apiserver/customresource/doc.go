// Package customresource serves the resources CustomResourceDefinitions define, as
// upstream's apiextensions-apiserver does inside kube-apiserver.
//
// A Manager watches the definitions in the API server's own store and, for each one:
//   - sets its status as upstream's controllers do: NamesAccepted (no other definition
//     of the group claims the same names), acceptedNames, Established;
//   - once Established, serves each served version: a registry.Store per version
//     keeping unstructured objects as JSON under /registry/<group>/<plural>/, with a
//     Strategy that defaults, prunes and validates by the version's structural schema
//     (k8s.io/apiextensions-apiserver's libraries), isolates status when the status
//     subresource is declared, prints additionalPrinterColumns and selects by
//     selectableFields; and publishes it to the REST handler, discovery and OpenAPI
//     through the Publisher it is given;
//   - when the definition is deleted, stops serving it, deletes its objects and lets
//     the definition go (upstream's customresourcecleanup finalizer).
//
// Every version keeps the same objects, stored in the storage version. Conversion
// between versions follows the definition's strategy: None rewrites only apiVersion;
// Webhook sends the object to the definition's conversion webhook in a
// ConversionReview (conversion.go, through kite/apiserver/webhookclient) when it is
// read in another version than it is stored in, or written in another version than
// the storage version, and checks the answer as upstream does (a bad answer fails the
// request with 500, naming the webhook). Reads, lists, watches and field selectors all
// see objects converted to the version asked for. A VersionConverter (versions.go)
// does the same conversion for admission outside a Store: matchPolicy Equivalent shows
// a webhook or policy registered for one version the object of a request made in
// another.
//
// Invariants: the set published is always the full current set (each publication
// replaces the previous one), so a reader never sees half an update; the manager's
// loop is the only writer of definition conditions. Built and started by the apiserver
// package; it uses registry, storage and webhookclient only.
package customresource
