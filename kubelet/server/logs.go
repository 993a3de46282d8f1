package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// serveLogs is /containerLogs/{namespace}/{pod}/{container}: the container's CRI log
// file (its previous instance's with ?previous=true), as LogOptions say.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	opts, err := parseLogOptions(r.URL.Query(), s.cfg.Clock.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	cs, err := s.containerInstances(ctx, ns, pod, "", container)
	if err != nil {
		s.writeError(w, err)
		return
	}
	pick := 0
	if opts.Previous {
		pick = 1
	}
	if len(cs) <= pick {
		msg := fmt.Sprintf("container %q in pod %q is waiting to start: no container instance yet", container, pod)
		if opts.Previous {
			msg = fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod)
		}
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	id := cs[pick].Id
	st, err := s.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if err != nil {
		s.writeError(w, fmt.Errorf("status of container %s: %w", id, err))
		return
	}
	path := st.GetStatus().GetLogPath()
	if path == "" {
		http.Error(w, fmt.Sprintf("container %q in pod %q has no log file", container, pod), http.StatusBadRequest)
		return
	}
	running := func() bool {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		st, err := s.cfg.Runtime.ContainerStatus(callCtx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
		if status.Code(err) == codes.NotFound {
			return false // removed with its pod
		}
		// Another error keeps following: the runtime may be restarting.
		return err != nil || st.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	err = logReader{opts: opts, running: running}.copy(ctx, path, w)
	if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		s.log.Warn("streaming a container log", "pod", ns+"/"+pod, "container", container, "err", err)
	}
}

// writeError answers an error: 404 for what the runtime does not have, 500 else.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	var nf errNotFound
	if errors.As(err, &nf) {
		http.Error(w, nf.msg, http.StatusNotFound)
		return
	}
	s.log.Warn("request failed", "err", err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}
