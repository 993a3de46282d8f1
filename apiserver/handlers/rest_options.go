package handlers

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	listvalidation "k8s.io/apimachinery/pkg/apis/meta/internalversion/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/negotiation"
)

// The options of each verb come from the query (and, for deletes, maybe the body), as
// meta.k8s.io/v1 options. A query that does not decode is a 400; options that decode
// but break upstream's rules (dryRun values, fieldManager, resourceVersionMatch, ...)
// are a 422 Invalid naming the options kind, as upstream.

// decodeQuery fills into from the request's query parameters.
func (h *restHandler) decodeQuery(r *http.Request, into runtime.Object) error {
	if err := h.params.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, into); err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	return nil
}

func invalidOptions(kind string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: kind}, "", errs)
}

func (h *restHandler) getOptions(r *http.Request) (metav1.GetOptions, error) {
	var opts metav1.GetOptions
	return opts, h.decodeQuery(r, &opts)
}

// listOptions reads list and watch options. The WatchList feature is on in the
// Kubernetes version Kite serves, so sendInitialEvents is allowed on watches.
func (h *restHandler) listOptions(r *http.Request) (metav1.ListOptions, error) {
	var opts metav1.ListOptions
	if err := h.decodeQuery(r, &opts); err != nil {
		return opts, err
	}
	checked := metainternalversion.ListOptions{
		Watch:                opts.Watch,
		ResourceVersion:      opts.ResourceVersion,
		ResourceVersionMatch: opts.ResourceVersionMatch,
		Continue:             opts.Continue,
		SendInitialEvents:    opts.SendInitialEvents,
	}
	return opts, invalidOptions("ListOptions", listvalidation.ValidateListOptions(&checked, true))
}

func (h *restHandler) createOptions(r *http.Request) (metav1.CreateOptions, error) {
	var opts metav1.CreateOptions
	if err := h.decodeQuery(r, &opts); err != nil {
		return opts, err
	}
	return opts, invalidOptions("CreateOptions", validation.ValidateCreateOptions(&opts))
}

func (h *restHandler) updateOptions(r *http.Request) (metav1.UpdateOptions, error) {
	var opts metav1.UpdateOptions
	if err := h.decodeQuery(r, &opts); err != nil {
		return opts, err
	}
	return opts, invalidOptions("UpdateOptions", validation.ValidateUpdateOptions(&opts))
}

func (h *restHandler) patchOptions(r *http.Request, pt types.PatchType) (metav1.PatchOptions, error) {
	var opts metav1.PatchOptions
	if err := h.decodeQuery(r, &opts); err != nil {
		return opts, err
	}
	return opts, invalidOptions("PatchOptions", validation.ValidatePatchOptions(&opts, pt))
}

// deleteOptions reads DeleteOptions from the body when there is one (what client-go
// and kubectl send), else from the query. A body may name any group version's
// DeleteOptions, or meta.k8s.io/v1's.
func (h *restHandler) deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	body, err := h.readBody(r)
	if err != nil {
		return opts, err
	}
	if len(body) == 0 {
		if err := h.decodeQuery(r, &opts); err != nil {
			return opts, err
		}
	} else {
		info, err := negotiation.Input(r.Header.Get("Content-Type"), h.meta.SupportedMediaTypes())
		if err != nil {
			return opts, err
		}
		gvk := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
		obj, _, err := info.Serializer.Decode(body, &gvk, &opts)
		if err != nil {
			return opts, apierrors.NewBadRequest(err.Error())
		}
		if obj != &opts {
			d, ok := obj.(*metav1.DeleteOptions)
			if !ok {
				return opts, apierrors.NewBadRequest("decoded object cannot be converted to DeleteOptions")
			}
			opts = *d
		}
	}
	// Deleting objects the store cannot read is an alpha feature upstream, off by default.
	opts.IgnoreStoreReadErrorWithClusterBreakingPotential = nil
	return opts, invalidOptions("DeleteOptions", validation.ValidateDeleteOptions(&opts))
}
