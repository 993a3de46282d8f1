package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/negotiation"
	"kite/apiserver/patch"
	"kite/apiserver/registry"
)

// restAction is a subresource served by a registry.Action, and the patcher of its kind.
type restAction struct {
	*registry.Action
	patcher *patch.Patcher
}

// addActions attaches each action to its parent resource, which must be served.
func (h *restHandler) addActions(actions []*registry.Action) error {
	for _, a := range actions {
		if err := a.Check(); err != nil {
			return fmt.Errorf("handlers: %w", err)
		}
		gvr := a.Resource.GroupVersionResource()
		rr := h.groups[gvr.GroupVersion()][gvr.Resource]
		if rr == nil || rr.store == nil {
			return fmt.Errorf("handlers: action %s/%s: the resource is not served", gvr, a.Subresource)
		}
		if rr.actions[a.Subresource] != nil {
			return fmt.Errorf("handlers: two actions for %s/%s", gvr, a.Subresource)
		}
		ra, err := h.newAction(a)
		if err != nil {
			return err
		}
		if rr.actions == nil {
			rr.actions = map[string]*restAction{}
		}
		rr.actions[a.Subresource] = ra
	}
	return nil
}

// newAction checks a's kinds and makes its patcher.
func (h *restHandler) newAction(a *registry.Action) (*restAction, error) {
	gvr := a.Resource.GroupVersionResource()
	ra := &restAction{Action: a}
	if a.Connect == nil {
		for _, k := range append([]schema.GroupVersionKind{a.Kind}, a.Accepts...) {
			if !h.scheme.Recognizes(k) {
				return nil, fmt.Errorf("handlers: action %s/%s: the scheme does not know %s", gvr, a.Subresource, k)
			}
		}
	}
	if a.Update != nil {
		p, err := patch.New(patch.Config{Codecs: h.codecs, GroupVersion: a.Kind.GroupVersion(), New: a.New})
		if err != nil {
			return nil, fmt.Errorf("handlers: action %s/%s: %w", gvr, a.Subresource, err)
		}
		ra.patcher = p
	}
	return ra, nil
}

// newActions makes the actions of one resource, by subresource.
func (h *restHandler) newActions(actions []*registry.Action) (map[string]*restAction, error) {
	out := map[string]*restAction{}
	for _, a := range actions {
		if err := a.Check(); err != nil {
			return nil, fmt.Errorf("handlers: %w", err)
		}
		ra, err := h.newAction(a)
		if err != nil {
			return nil, err
		}
		out[a.Subresource] = ra
	}
	return out, nil
}

// serveAction answers a request for a subresource served by an Action. The response
// is encoded in the action's kind; tables and metadata conversions are not offered (a
// client that also accepts the plain object gets it).
func (h *restHandler) serveAction(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	if a.Connect != nil {
		h.serveConnect(w, r, req, a)
		return
	}
	// Encode what the action answers in its own group version.
	rr := *req.restResource
	rr.gvk, rr.table, rr.codecs = a.Kind, nil, nil
	req.restResource = &rr
	switch {
	case r.Method == http.MethodGet && a.Get != nil:
		h.serveActionGet(w, r, req, a)
	case r.Method == http.MethodPut && a.Update != nil:
		h.serveActionUpdate(w, r, req, a)
	case r.Method == http.MethodPatch && a.Update != nil:
		h.serveActionPatch(w, r, req, a)
	case r.Method == http.MethodPost && a.Create != nil:
		h.serveActionCreate(w, r, req, a)
	default:
		h.writeError(w, r, req, methodNotAllowed())
	}
}

// negotiatePlain picks the response format of an answer that has no conversions.
func (h *restHandler) negotiatePlain(r *http.Request) (output, error) {
	out, err := negotiation.Negotiate(r.Header.Get("Accept"), h.codecs.SupportedMediaTypes(), negotiation.NoConversion)
	if err != nil {
		return output{}, err
	}
	if !out.Pretty && prettyRequested(r) && out.Info.PrettySerializer != nil {
		out.Info.Serializer = out.Info.PrettySerializer
	}
	return output{Output: out}, nil
}

func (h *restHandler) serveActionGet(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	out, err := h.negotiatePlain(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	opts, err := h.getOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	obj, err := a.Get(r.Context(), req.namespace, req.name, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, obj)
}

// serveActionUpdate answers PUT: the body replaces the subresource. Its name must be
// the URL's; a resourceVersion in it is the action's precondition to check.
func (h *restHandler) serveActionUpdate(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	out, err := h.negotiatePlain(r)
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
	obj, err := h.decodeAction(r, req, a, body, fieldValidation(opts.FieldValidation))
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if err := checkName(obj, req); err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if err := matchNamespace(obj, req); err != nil {
		h.writeError(w, r, req, err)
		return
	}
	change := func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil }
	updated, err := a.Update(r.Context(), req.namespace, req.name, change, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, updated)
}

// serveActionPatch answers PATCH: the patch applies to the current subresource inside
// the action's read-modify-write, so a concurrent write makes it apply again.
func (h *restHandler) serveActionPatch(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	pt, err := patchType(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	out, err := h.negotiatePlain(r)
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
	if !json.Valid(data) {
		h.writeError(w, r, req, apierrors.NewBadRequest("invalid JSON patch"))
		return
	}
	validation := fieldValidation(opts.FieldValidation)
	var warnings []string
	change := func(current runtime.Object) (runtime.Object, error) {
		obj, warned, err := a.patcher.Apply(current, pt, data, validation)
		if err != nil {
			return nil, err
		}
		warnings = warned // a retry replaces what an earlier attempt found
		if err := checkName(obj, req); err != nil {
			return nil, err
		}
		return obj, nil
	}
	updated, err := a.Update(r.Context(), req.namespace, req.name, change, patchToUpdate(opts))
	req.warn(warnings...)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	h.writeObject(w, r, req, out, http.StatusOK, updated)
}

// serveActionCreate answers POST: 201 with what the action answers (a Success Status
// for binding and eviction, as upstream).
func (h *restHandler) serveActionCreate(w http.ResponseWriter, r *http.Request, req *restRequest, a *restAction) {
	out, err := h.negotiatePlain(r)
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
	obj, err := h.decodeAction(r, req, a, body, fieldValidation(opts.FieldValidation))
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if err := matchNamespace(obj, req); err != nil {
		h.writeError(w, r, req, err)
		return
	}
	result, err := a.Create(r.Context(), req.namespace, req.name, obj, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if st, ok := result.(*metav1.Status); ok && st.Code == 0 {
		st.Code = http.StatusCreated
	}
	h.writeObject(w, r, req, out, http.StatusCreated, result)
}

// matchNamespace gives a created body the URL's namespace, refusing another one, as
// upstream's create handler does.
func matchNamespace(obj runtime.Object, req *restRequest) error {
	acc, err := meta.Accessor(obj)
	if err != nil || req.namespace == "" {
		// Bodies without metadata have no namespace to check.
		return nil
	}
	switch ns := acc.GetNamespace(); {
	case ns == "":
		acc.SetNamespace(req.namespace)
	case ns != req.namespace:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// decodeAction decodes a body of the action's kind (or one of the kinds it also
// accepts), JSON, YAML or protobuf by Content-Type, with the request's field validation.
func (h *restHandler) decodeAction(r *http.Request, req *restRequest, a *restAction, body []byte, validation string) (runtime.Object, error) {
	info, err := negotiation.Input(r.Header.Get("Content-Type"), h.codecs.SupportedMediaTypes())
	if err != nil {
		return nil, err
	}
	s := info.Serializer
	if validation != metav1.FieldValidationIgnore && info.StrictSerializer != nil {
		s = info.StrictSerializer
	}
	want := a.Kind
	accepted := append([]schema.GroupVersionKind{want}, a.Accepts...)
	obj, gvk, err := s.Decode(body, &want, nil)
	if err != nil {
		strictErr, isStrict := runtime.AsStrictDecodingError(err)
		switch {
		case isStrict && obj != nil && validation == metav1.FieldValidationWarn:
			for _, e := range strictErr.Errors() {
				req.warn(strictWarnings(e)...)
			}
		case gvk != nil && !slices.Contains(accepted, *gvk) && gvk.Kind == want.Kind && h.scheme.Recognizes(*gvk):
			return nil, versionMismatch(*gvk, want)
		default:
			return nil, decodeError(err, want.Kind, gvk, body)
		}
	}
	if gvk == nil || !slices.Contains(accepted, *gvk) {
		if gvk != nil && gvk.Kind == want.Kind {
			return nil, versionMismatch(*gvk, want)
		}
		got := "unknown"
		if gvk != nil {
			got = gvk.String()
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s cannot be handled as a %s", got, want.Kind))
	}
	// Objects carry no type inside the server, as the Store's do.
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	return obj, nil
}
