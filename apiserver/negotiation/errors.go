package negotiation

import (
	"fmt"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NotAcceptableError answers an Accept header the server cannot satisfy: 406 with
// reason NotAcceptable. It is an apierrors.APIStatus.
type NotAcceptableError struct {
	// Accepted are the media types the server offers.
	Accepted []string
}

// NewNotAcceptable returns the 406 error listing the accepted media types.
func NewNotAcceptable(accepted []string) *NotAcceptableError {
	return &NotAcceptableError{Accepted: accepted}
}

func (e *NotAcceptableError) Error() string {
	return fmt.Sprintf("only the following media types are accepted: %s", strings.Join(e.Accepted, ", "))
}

// Status is the Status a client receives.
func (e *NotAcceptableError) Status() metav1.Status {
	return metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotAcceptable,
		Reason:  metav1.StatusReasonNotAcceptable,
		Message: e.Error(),
	}
}

// UnsupportedMediaTypeError answers a request body in a format the server does not
// read: 415 with reason UnsupportedMediaType. It is an apierrors.APIStatus.
type UnsupportedMediaTypeError struct {
	// Accepted are the media types the server reads.
	Accepted []string
	// Reason, when set, comes before the list (e.g. why a known type is refused).
	Reason string
}

// NewUnsupportedMediaType returns the 415 error listing the accepted media types.
func NewUnsupportedMediaType(accepted []string) *UnsupportedMediaTypeError {
	return &UnsupportedMediaTypeError{Accepted: accepted}
}

func (e *UnsupportedMediaTypeError) Error() string {
	msg := fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(e.Accepted, ", "))
	if e.Reason != "" {
		msg = e.Reason + ": " + msg
	}
	return msg
}

// Status is the Status a client receives.
func (e *UnsupportedMediaTypeError) Status() metav1.Status {
	return metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnsupportedMediaType,
		Reason:  metav1.StatusReasonUnsupportedMediaType,
		Message: e.Error(),
	}
}
