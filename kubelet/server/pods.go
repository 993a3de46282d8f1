package server

import (
	"encoding/json"
	"net/http"
)

// servePods is /pods: this node's pods as a v1 PodList, as upstream's kubelet lists
// them (its view; here the API server's, which the agent syncs from).
func (s *Server) servePods(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Pods(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	list.Kind, list.APIVersion = "PodList", "v1"
	for i := range list.Items {
		list.Items[i].Kind, list.Items[i].APIVersion = "Pod", "v1"
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(list); err != nil {
		s.log.Debug("writing /pods", "err", err)
	}
}
