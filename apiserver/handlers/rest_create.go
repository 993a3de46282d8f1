package handlers

import (
	"net/http"
)

// serveCreate answers POST on a collection: 201 with the object as stored (also for a
// dry run, as upstream), its managedFields naming the request's field manager.
func (h *restHandler) serveCreate(w http.ResponseWriter, r *http.Request, req *restRequest) {
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	body, err := h.readBody(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.createOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	obj, err := h.decodeObject(r, req, body, fieldValidation(opts.FieldValidation))
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	// The creator owns every field it set, recorded as an Update from nothing.
	obj = h.trackCreate(r, req, h.fields(req), obj, opts.FieldManager)
	// The store checks that the body's namespace, if any, is the URL's.
	created, err := req.store.Create(r.Context(), req.namespace, obj, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusCreated, created)
}
