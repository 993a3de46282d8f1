package handlers

import (
	"encoding/json"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WriteStatus writes st as a v1 Status JSON object with st.Code as the HTTP status.
func WriteStatus(w http.ResponseWriter, st metav1.Status) {
	st.Kind, st.APIVersion = "Status", "v1"
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	// An error here means the client went away; there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(st)
}

// Unauthorized answers a request that could not be authenticated, as upstream does:
// 401 with a Status of reason Unauthorized.
func Unauthorized(w http.ResponseWriter, _ *http.Request) {
	WriteStatus(w, apierrors.NewUnauthorized("Unauthorized").ErrStatus)
}

// NotFound answers a request for a path the server does not serve: 404 with a Status
// of reason NotFound, the one upstream sends for unknown paths.
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteStatus(w, apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "", "", 0, false).ErrStatus)
	})
}
