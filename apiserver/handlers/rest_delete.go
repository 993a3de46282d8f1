package handlers

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serveDelete answers DELETE on an object, as upstream:
//   - deleted at once: 200 with a Success Status naming it (details.kind is the
//     resource, as upstream sets it);
//   - still there (finalizers pending): 200 with the object, now carrying its
//     deletionTimestamp; 202 only when the client asked for orphanDependents=false,
//     the one case where upstream answers Accepted.
func (h *restHandler) serveDelete(w http.ResponseWriter, r *http.Request, req *restRequest) {
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.deleteOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	obj, deleted, err := req.store.Delete(r.Context(), req.namespace, req.name, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if !deleted {
		code := http.StatusOK
		//nolint:staticcheck // OrphanDependents is deprecated, and still decides the code.
		if o := opts.OrphanDependents; o != nil && !*o {
			code = http.StatusAccepted
		}
		h.writeObject(w, r, req, out, code, obj)
		return
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		h.writeError(w, r, req, apierrors.NewInternalError(err))
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, &metav1.Status{
		Status: metav1.StatusSuccess,
		Details: &metav1.StatusDetails{
			Name:  acc.GetName(),
			Group: req.res.Group,
			Kind:  req.res.Resource,
			UID:   acc.GetUID(),
		},
	})
}

// serveDeleteCollection answers DELETE on a collection: every object the list options
// select is deleted; 200 with the list of them.
func (h *restHandler) serveDeleteCollection(w http.ResponseWriter, r *http.Request, req *restRequest) {
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	listOpts, err := h.listOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.deleteOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	list, err := req.store.DeleteCollection(r.Context(), req.namespace, listOpts, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, list)
}
