package handlers

import (
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/fieldmanager"
)

// applyCreateAttempts bounds how often an apply of a missing object goes back and forth
// between creating it and updating it when others create and delete it meanwhile.
const applyCreateAttempts = 3

// fields returns the resource's field manager, or nil when it cannot be made (a bug,
// logged): writes then go on without tracking managed fields.
func (h *restHandler) fields(req *restRequest) *fieldmanager.Manager {
	if req.codecs != nil && req.typeConverter == nil {
		// A custom resource whose schema could not be read: no field manager.
		return nil
	}
	fm, err := req.patcher.Fields(fieldmanager.Config{Scheme: h.scheme, Resource: req.res, Logger: h.logger, TypeConverter: req.typeConverter})
	if err != nil {
		h.logger.Error("no field manager", "resource", req.res.GroupResource(), "err", err)
		return nil
	}
	return fm
}

// track records on obj, the new version of live (an empty object for a create), that
// the request's field manager wrote it as an Update. obj is defaulted first, as
// upstream defaults a body when decoding it, so the fields defaults set are owned too.
func (h *restHandler) track(r *http.Request, req *restRequest, fm *fieldmanager.Manager, live, obj runtime.Object, fieldManager string) runtime.Object {
	req.res.Strategy.Default(obj)
	if fm == nil {
		return obj
	}
	return fm.Update(live, obj, fieldmanager.Name(fieldManager, r.UserAgent()), req.subresource)
}

// trackCreate is track for a create, whose live object is empty: the field manager
// records the same entry more cheaply (fieldmanager.Manager.Create).
func (h *restHandler) trackCreate(r *http.Request, req *restRequest, fm *fieldmanager.Manager, obj runtime.Object, fieldManager string) runtime.Object {
	req.res.Strategy.Default(obj)
	if fm == nil {
		return obj
	}
	return fm.Create(obj, fieldmanager.Name(fieldManager, r.UserAgent()), req.subresource)
}

// serveApply answers a server-side apply (PATCH with application/apply-patch+yaml):
// the patch is merged into the current object inside the store's read-modify-write
// loop, or, when there is no object yet, into an empty one that is then created (201).
// Conflicts with other managers' fields are a 409 unless ?force=true.
func (h *restHandler) serveApply(w http.ResponseWriter, r *http.Request, req *restRequest, out output, data []byte, opts metav1.PatchOptions) {
	fm := h.fields(req)
	if fm == nil {
		h.writeError(w, r, req, apierrors.NewInternalError(errors.New("server-side apply is unavailable for this resource")))
		return
	}
	force := opts.Force != nil && *opts.Force
	validation := fieldValidation(opts.FieldValidation)
	var warnings []string
	apply := func(current runtime.Object) (runtime.Object, error) {
		obj, warned, err := fm.Apply(current, data, opts.FieldManager, force, req.subresource, validation)
		if err != nil {
			return nil, err
		}
		warnings = nil // a retry replaces what an earlier attempt found
		for _, text := range warned {
			warnings = append(warnings, strictWarnings(errors.New(text))...)
		}
		if err := checkName(obj, req); err != nil {
			return nil, err
		}
		return obj, checkPatchedRV(current, obj, req)
	}
	for attempt := 1; ; attempt++ {
		updated, err := req.store.UpdateWith(r.Context(), req.namespace, req.name, apply, patchToUpdate(opts), req.subresource)
		if !apierrors.IsNotFound(err) || req.subresource != "" {
			req.warn(warnings...)
			if err != nil {
				h.writeError(w, r, req, err)
				return
			}
			h.writeObject(w, r, req, out, http.StatusOK, updated)
			return
		}
		obj, err := apply(req.res.New())
		if err == nil {
			obj, err = req.store.Create(r.Context(), req.namespace, obj, patchToCreate(opts))
		}
		if apierrors.IsAlreadyExists(err) && attempt < applyCreateAttempts {
			continue // created meanwhile: apply to it
		}
		req.warn(warnings...)
		if err != nil {
			h.writeError(w, r, req, err)
			return
		}
		h.writeObject(w, r, req, out, http.StatusCreated, obj)
		return
	}
}

// checkPatchedRV makes a resourceVersion in a patch a precondition, as upstream: the
// patched object must still be at it.
func checkPatchedRV(current, patched runtime.Object, req *restRequest) error {
	curAcc, err := meta.Accessor(current)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	acc, err := meta.Accessor(patched)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if rv := acc.GetResourceVersion(); rv != "" && rv != curAcc.GetResourceVersion() {
		return apierrors.NewConflict(req.res.GroupResource(), req.name, errOptimisticLock)
	}
	return nil
}

func patchToCreate(o metav1.PatchOptions) metav1.CreateOptions {
	return metav1.CreateOptions{DryRun: o.DryRun, FieldManager: o.FieldManager, FieldValidation: o.FieldValidation}
}
