package nodeproxy

import (
	"encoding/json"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func serviceUnavailable(format string, args ...any) *apierrors.StatusError {
	return apierrors.NewServiceUnavailable(fmt.Sprintf(format, args...))
}

// writeStatus answers err as a v1 Status, for failures inside a handler that the REST
// layer can no longer answer.
func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	w.Write(b)
}
