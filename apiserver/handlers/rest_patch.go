package handlers

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"kite/apiserver/negotiation"
	"kite/apiserver/patch"
)

// errOptimisticLock is upstream's message for a write based on an old resourceVersion.
var errOptimisticLock = errors.New("the object has been modified; please apply your changes to the latest version and try again")

// servePatch answers PATCH on an object or its status: the patch (JSON, merge or
// strategic merge, by Content-Type) is applied to the current object inside the store's
// read-modify-write loop, so a concurrent write makes it apply again to the new
// version rather than fail, and the request's field manager is recorded as having
// updated the fields it changed. 200 with the object as stored. Server-side apply is
// serveApply's.
func (h *restHandler) servePatch(w http.ResponseWriter, r *http.Request, req *restRequest) {
	pt, err := patchType(r)
	if err == nil && req.codecs != nil {
		err = customPatchType(pt)
	}
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	out, err := h.negotiateFor(r, req)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	data, err := h.readBody(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.patchOptions(r, pt)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if pt == types.ApplyYAMLPatchType {
		h.serveApply(w, r, req, out, data, opts)
		return
	}
	if !json.Valid(data) {
		h.writeError(w, r, req, apierrors.NewBadRequest("invalid JSON patch"))
		return
	}
	validation := fieldValidation(opts.FieldValidation)
	fm := h.fields(req)
	var warnings []string
	apply := func(current runtime.Object) (runtime.Object, error) {
		obj, warned, err := req.patcher.Apply(current, pt, data, validation)
		if err != nil {
			return nil, err
		}
		warnings = warned // a retry replaces what an earlier attempt found
		if err := checkName(obj, req); err != nil {
			return nil, err
		}
		// A patch that sets resourceVersion is a precondition on it.
		if err := checkPatchedRV(current, obj, req); err != nil {
			return nil, err
		}
		return h.track(r, req, fm, current, obj, opts.FieldManager), nil
	}
	updated, err := req.store.UpdateWith(r.Context(), req.namespace, req.name, apply, patchToUpdate(opts), req.subresource)
	req.warn(warnings...)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, updated)
}

// patchType reads the patch type from Content-Type: one of patch.Types, else a 415
// listing them (CBOR apply patches included, as upstream without CBOR serving).
func patchType(r *http.Request) (types.PatchType, error) {
	known := patch.Types()
	accepted := make([]string, len(known))
	for i, t := range known {
		accepted[i] = string(t)
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && slices.Contains(accepted, mediaType) {
		return types.PatchType(mediaType), nil
	}
	return "", negotiation.NewUnsupportedMediaType(accepted)
}

func patchToUpdate(o metav1.PatchOptions) metav1.UpdateOptions {
	return metav1.UpdateOptions{DryRun: o.DryRun, FieldManager: o.FieldManager, FieldValidation: o.FieldValidation}
}
