package handlers

import (
	"net/http"
)

// serveGet answers GET on an object (or its status): 200 with the object.
func (h *restHandler) serveGet(w http.ResponseWriter, r *http.Request, req *restRequest) {
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.getOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	obj, err := req.store.Get(r.Context(), req.namespace, req.name, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, obj)
}

// serveList answers GET on a collection: the list, or a watch with ?watch=true.
func (h *restHandler) serveList(w http.ResponseWriter, r *http.Request, req *restRequest) {
	opts, err := h.listOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if opts.Watch {
		h.serveWatch(w, r, req, opts)
		return
	}
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	enc, plain := h.plainEncoding(r, req, out)
	if !plain {
		list, err := req.store.List(r.Context(), req.namespace, opts)
		if err != nil {
			h.writeError(w, r, req, err)
			return
		}
		h.writeObject(w, r, req, out, http.StatusOK, list)
		return
	}
	// Plain JSON or protobuf: the items the watch cache answers with are written from
	// the bytes it keeps for them.
	list, items, err := req.store.ListCached(r.Context(), req.namespace, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if items != nil {
		if h.writeCachedList(w, r, req, out, list, items, enc) {
			return
		}
		if err := items.Fill(list); err != nil {
			h.writeError(w, r, req, err)
			return
		}
	}
	h.writeObject(w, r, req, out, http.StatusOK, list)
}
