package patch

import (
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	kjson "sigs.k8s.io/json"
)

// applyStrategic applies a strategic merge patch to current's unstructured form, with
// the Go type's patch tags (patchStrategy, patchMergeKey) saying how lists merge.
func (p *Patcher) applyStrategic(current runtime.Object, data []byte, validation string) (runtime.Object, []error, error) {
	original, err := runtime.DefaultUnstructuredConverter.ToUnstructured(current)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	patchMap := map[string]any{}
	var problems []error
	if strict(validation) {
		if problems, err = kjson.UnmarshalStrict(data, &patchMap); err != nil {
			return nil, nil, apierrors.NewBadRequest(err.Error())
		}
	} else if err = kjson.UnmarshalCaseSensitivePreserveInts(data, &patchMap); err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	patched, err := strategicpatch.StrategicMergeMapPatchUsingLookupPatchMeta(original, patchMap, p.smpSchema)
	if err != nil {
		return nil, nil, strategicError(err)
	}
	obj := p.newObj()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(patched, obj, strict(validation)); err != nil {
		strictErr, isStrict := runtime.AsStrictDecodingError(err)
		if !isStrict {
			return nil, nil, invalidPatch(fmt.Sprintf("%+v", patchMap), err)
		}
		problems = append(problems, strictErr.Errors()...)
	}
	if len(problems) > 0 && validation == metav1.FieldValidationStrict {
		return nil, nil, invalidPatch(fmt.Sprintf("%+v", patchMap), runtime.NewStrictDecodingError(problems))
	}
	return obj, problems, nil
}

// strategicError gives the errors of a strategic merge the codes upstream answers with:
// a malformed patch is a bad request, one that cannot apply to this object is invalid.
func strategicError(err error) error {
	for _, bad := range []error{mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList,
		mergepatch.ErrBadPatchFormatForRetainKeys, mergepatch.ErrBadPatchFormatForSetElementOrderList,
		mergepatch.ErrUnsupportedStrategicMergePatchFormat} {
		if errors.Is(err, bad) {
			return apierrors.NewBadRequest(err.Error())
		}
	}
	if errors.Is(err, mergepatch.ErrNoListOfLists) || errors.Is(err, mergepatch.ErrPatchContentNotMatchRetainKeys) {
		return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	// Anything else is a patch that does not fit the object (a list where a map is
	// expected, say): the client's mistake, not the server's.
	return apierrors.NewBadRequest(err.Error())
}
