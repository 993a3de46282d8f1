package handlers

import (
	"encoding/json"
	"net/http"

	"k8s.io/apimachinery/pkg/version"
)

// Version serves info as upstream's /version does: indented JSON.
func Version(info version.Info) http.Handler {
	// The answer never changes, so encode it once.
	body, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		// version.Info is plain strings; this cannot fail.
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
}
