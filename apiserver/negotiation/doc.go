// Package negotiation picks the encodings of an API request and its response, as
// kube-apiserver does: the response format from the Accept header (JSON, YAML or
// protobuf, with the parameters that ask for a conversion such as
// "as=Table;g=meta.k8s.io;v=v1"), and the request body's decoder from Content-Type.
//
// Invariants:
//   - an empty Accept header, or one whose clauses allow anything, gets the first
//     serializer offered (JSON from a codec factory);
//   - Accept clauses are tried by quality, then by specificity, then in the order given;
//     a clause whose conversion the endpoint does not serve is skipped, so a client that
//     lists "as=Table" and then plain JSON gets JSON where tables are not served;
//   - failures are Status errors with upstream's codes and messages (406 NotAcceptable,
//     415 UnsupportedMediaType), so a handler writes them as they are.
//
// Called by apiserver/handlers for every REST request; it depends on apimachinery only.
package negotiation
