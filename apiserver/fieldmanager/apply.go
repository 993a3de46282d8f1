package fieldmanager

import (
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Apply merges patch, an apply configuration as YAML or JSON, into live as manager
// through subresource, and returns the object to store with its managed fields: manager
// owns, as an Apply, exactly the fields patch sets, and fields it owned before that
// patch leaves out are removed unless another manager owns them too. live is the
// stored object, or an empty object of the resource's type when there is none yet.
//
// Fields owned by another manager with a different value are a 409 Conflict listing
// each one, unless force is set, which takes them over. validation is the request's
// fieldValidation: a patch with a duplicate field fails with Strict and is returned as
// a warning with Warn. Every error is a Status error with upstream's code and message.
func (m *Manager) Apply(live runtime.Object, patch []byte, manager string, force bool, subresource, validation string) (runtime.Object, []string, error) {
	fm, err := m.fieldManager(subresource)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	applied := &unstructured.Unstructured{Object: map[string]any{}}
	if err := yaml.Unmarshal(patch, &applied.Object); err != nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
	}
	obj, err := fm.Apply(live, applied, manager, force)
	if err != nil {
		return nil, nil, asStatus(err)
	}
	var warnings []string
	if validation != metav1.FieldValidationIgnore {
		// The merge itself refuses unknown fields; what is left to find is a field
		// given twice, which decoding into a map silently resolved.
		if err := yaml.UnmarshalStrict(patch, &map[string]any{}); err != nil {
			if validation == metav1.FieldValidationStrict {
				return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error strict decoding patch: %v", err))
			}
			warnings = append(warnings, err.Error())
		}
	}
	return obj, warnings, nil
}

// asStatus answers an error of the merge as upstream's server does: a Status error as
// it is (a conflict, a patch of the wrong kind), anything else (a field the schema does
// not declare, a value of the wrong type) as a 500 carrying the library's message.
func asStatus(err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusInternalServerError,
		Message: err.Error(),
	}}
}
