package patch

import (
	"errors"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	kjson "sigs.k8s.io/json"
)

// maxJSONPatchOperations bounds the operations of one JSON patch, as upstream.
const maxJSONPatchOperations = 10000

// jsonPatchOp is the shape of one JSON patch operation, to find unknown fields in it.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from"`
	Value any    `json:"value"`
}

// applyJSON applies a JSON patch or a JSON merge patch to current's JSON form and
// decodes the result.
func (p *Patcher) applyJSON(current runtime.Object, pt types.PatchType, data []byte, validation string) (runtime.Object, []error, error) {
	doc, err := runtime.Encode(p.encoder, current)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	var problems []error
	var patched []byte
	if pt == types.JSONPatchType {
		if strict(validation) {
			var ops []jsonPatchOp
			found, err := kjson.UnmarshalStrict(data, &ops)
			if err != nil {
				return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
			}
			for _, e := range found {
				problems = append(problems, fmt.Errorf("json patch %w", e))
			}
		}
		if patched, err = p.jsonPatch(doc, data); err != nil {
			return nil, nil, err
		}
	} else {
		if strict(validation) {
			found, err := kjson.UnmarshalStrict(data, &map[string]any{})
			if err != nil {
				return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
			}
			problems = append(problems, found...)
		}
		patched, err = jsonpatch.MergePatch(doc, data)
		switch {
		case errors.Is(err, jsonpatch.ErrBadJSONPatch):
			return nil, nil, apierrors.NewBadRequest(err.Error())
		case err != nil:
			return nil, nil, apierrors.NewInternalError(err)
		}
	}
	return p.decodePatched(patched, problems, validation)
}

// jsonPatch applies an RFC 6902 patch. Its "copy" operations are applied one at a time
// so the growth they cause can be bounded; the rest are applied together.
func (p *Patcher) jsonPatch(doc, data []byte) ([]byte, error) {
	ops, err := jsonpatch.DecodePatch(data)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if len(ops) > maxJSONPatchOperations {
		return nil, apierrors.NewRequestEntityTooLargeError(
			fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(ops)))
	}
	var copied int64
	for len(ops) > 0 {
		n := 1
		if ops[0].Kind() != "copy" {
			for n < len(ops) && ops[n].Kind() != "copy" {
				n++
			}
		}
		before := len(doc)
		if doc, err = applyOps(ops[:n], doc); err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		if ops[0].Kind() == "copy" {
			copied += int64(len(doc) - before)
			if copied > p.maxCopy {
				return nil, apierrors.NewRequestEntityTooLargeError(
					fmt.Sprintf("the copy operations of the JSON patch add more than %d bytes", p.maxCopy))
			}
		}
		ops = ops[n:]
	}
	return doc, nil
}

// applyOps applies JSON patch operations. The library panics on some malformed
// operations (a replace of the root without a value); those are the client's mistake.
func applyOps(ops jsonpatch.Patch, doc []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("invalid JSON patch operation: %v", r)
		}
	}()
	return ops.Apply(doc)
}

// decodePatched turns the patched JSON back into an object of the resource's type.
// problems are those already found in the patch itself.
func (p *Patcher) decodePatched(patched []byte, problems []error, validation string) (runtime.Object, []error, error) {
	dec := p.decoder
	if strict(validation) {
		dec = p.strictDecoder
	}
	gvk := p.gv.WithKind("")
	into := p.newObj()
	obj, _, err := dec.Decode(patched, &gvk, into)
	if err != nil {
		strictErr, isStrict := runtime.AsStrictDecodingError(err)
		if !isStrict || obj == nil {
			return nil, nil, invalidPatch(string(patched), err)
		}
		problems = append(problems, strictErr.Errors()...)
	}
	if len(problems) > 0 && validation == metav1.FieldValidationStrict {
		return nil, nil, invalidPatch(string(patched), runtime.NewStrictDecodingError(problems))
	}
	return obj, problems, nil
}
