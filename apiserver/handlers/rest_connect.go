package handlers

import (
	"net/http"
	"slices"

	"kite/apiserver/registry"
)

// serveConnect answers a connect subresource (log, exec, attach, portforward, proxy):
// the action checks the request and returns the handler that serves the stream; its
// errors are answered as Status objects.
func (h *restHandler) serveConnect(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	if !slices.Contains(a.ConnectMethods, r.Method) {
		h.writeError(w, r, req, methodNotAllowed())
		return
	}
	serve, err := a.Connect(r.Context(), req.namespace, req.name, registry.ConnectRequest{
		Method: r.Method,
		Query:  r.URL.Query(),
		Path:   req.connectPath,
	})
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	// What admission warned of goes out with the stream's first answer.
	for _, v := range req.warnings.Headers() {
		w.Header().Add("Warning", v)
	}
	serve.ServeHTTP(w, r)
}
