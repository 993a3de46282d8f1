package handlers

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/registry"
)

// addVirtuals serves resources that are not stored (registry.Virtual).
func (h *restHandler) addVirtuals(virtuals []*registry.Virtual) error {
	for _, v := range virtuals {
		if v == nil || v.Resource == nil || v.Resource.Strategy == nil {
			return fmt.Errorf("handlers: a virtual resource must be made with registry.NewVirtual")
		}
		r := v.Resource
		gvk := r.GroupVersionKind()
		gv := gvk.GroupVersion()
		if h.groups[gv] == nil {
			h.groups[gv] = map[string]*restResource{}
		}
		if h.groups[gv][r.Resource] != nil {
			return fmt.Errorf("handlers: two resources %s", r.GroupVersionResource())
		}
		if !h.scheme.Recognizes(gvk) {
			return fmt.Errorf("handlers: the scheme does not know %s", gvk)
		}
		rr := &restResource{virtual: v, res: r, gvk: gvk}
		if ts, ok := r.Strategy.(registry.TableStrategy); ok {
			rr.table = ts
		}
		h.groups[gv][r.Resource] = rr
	}
	return nil
}

// serveVirtual answers a request for a resource that is not stored. Verbs it does not
// serve get what upstream answers: 404 on an object path without get, 405 otherwise.
func (h *restHandler) serveVirtual(w http.ResponseWriter, r *http.Request, req *restRequest) {
	v := req.virtual
	req.warn(v.Warnings...)
	inNamespace := !req.res.Namespaced || req.namespace != ""
	switch {
	case req.watchPath:
		h.writeError(w, r, req, apierrors.NewMethodNotSupported(req.res.GroupResource(), "watch"))
	case req.name != "" && v.Get == nil:
		h.writeError(w, r, req, notFound())
	case req.name != "" && r.Method == http.MethodGet:
		h.serveVirtualGet(w, r, req)
	case req.name == "" && r.Method == http.MethodGet && v.List != nil:
		h.serveVirtualList(w, r, req)
	case req.name == "" && r.Method == http.MethodPost && v.Create != nil && inNamespace:
		h.serveVirtualCreate(w, r, req)
	default:
		h.writeError(w, r, req, methodNotAllowed())
	}
}

func (h *restHandler) serveVirtualGet(w http.ResponseWriter, r *http.Request, req *restRequest) {
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
	obj, err := req.virtual.Get(r.Context(), req.namespace, req.name, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, obj)
}

func (h *restHandler) serveVirtualList(w http.ResponseWriter, r *http.Request, req *restRequest) {
	opts, err := h.listOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if opts.Watch {
		h.writeError(w, r, req, apierrors.NewMethodNotSupported(req.res.GroupResource(), "watch"))
		return
	}
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	list, err := req.virtual.List(r.Context(), req.namespace, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, list)
}

// serveVirtualCreate answers POST with 201 and the computed object; nothing is kept.
func (h *restHandler) serveVirtualCreate(w http.ResponseWriter, r *http.Request, req *restRequest) {
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
	if err := matchNamespace(obj, req); err != nil {
		h.writeError(w, r, req, err)
		return
	}
	created, err := req.virtual.Create(r.Context(), req.namespace, obj, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusCreated, created)
}
