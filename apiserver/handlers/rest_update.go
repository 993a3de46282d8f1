package handlers

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// serveUpdate answers PUT on an object or a subresource whose body is the object
// (status, finalize): 200 with the object as stored, the request's field manager
// recorded as having updated the fields it changed.
func (h *restHandler) serveUpdate(w http.ResponseWriter, r *http.Request, req *restRequest) {
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
	opts, err := h.updateOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	obj, err := h.decodeObject(r, req, body, fieldValidation(opts.FieldValidation))
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if err := checkName(obj, req); err != nil {
		h.writeError(w, r, req, err)
		return
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		h.writeError(w, r, req, apierrors.NewBadRequest(err.Error()))
		return
	}
	// An object with a resourceVersion must still be at it; without one the update is
	// unconditional. Each try starts from the body again, so the managed fields are
	// those of this body over the object it replaces.
	wantRV := acc.GetResourceVersion()
	fm := h.fields(req)
	replace := func(current runtime.Object) (runtime.Object, error) {
		curAcc, err := meta.Accessor(current)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if wantRV != "" && wantRV != curAcc.GetResourceVersion() {
			return nil, apierrors.NewConflict(req.res.GroupResource(), req.name, errOptimisticLock)
		}
		next := obj.DeepCopyObject()
		nextAcc, err := meta.Accessor(next)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		nextAcc.SetResourceVersion(curAcc.GetResourceVersion())
		return h.track(r, req, fm, current, next, opts.FieldManager), nil
	}
	// TODO(kite): answer 201 when the update created the object, once the Store says so
	// (resources that allow create on update: leases, endpoints, ...).
	updated, err := req.store.UpdateWith(r.Context(), req.namespace, req.name, replace, opts, req.subresource)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, updated)
}

// checkName refuses an object whose name or namespace is not the URL's, as upstream.
func checkName(obj runtime.Object, req *restRequest) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s based on URL) was undeterminable: %v", req.name, err))
	}
	if acc.GetName() == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s based on URL) was undeterminable: name must be provided", req.name))
	}
	if acc.GetName() != req.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", acc.GetName(), req.name))
	}
	if ns := acc.GetNamespace(); req.namespace != "" && ns != "" && ns != req.namespace {
		return apierrors.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the request (%s)", ns, req.namespace))
	}
	return nil
}
