package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"kite/apiserver/handlers"
)

// The checks carry upstream's names so that tools and people reading
// `kubectl get --raw='/readyz?verbose'` (and using ?exclude=) find what they know:
// "etcd" is the store check whatever the backend.

// healthChecks are the checks of /healthz and /livez.
func (s *Server) healthChecks() []handlers.Check {
	return []handlers.Check{
		{Name: "ping", Run: func(*http.Request) error { return nil }},
		{Name: "log", Run: func(*http.Request) error { return s.cfg.LogCheck() }},
		{Name: "etcd", Run: s.checkStore},
	}
}

// readyChecks are the checks of /readyz: the health checks, the store's readiness, and
// "shutdown", which fails once shutdown has begun.
func (s *Server) readyChecks() []handlers.Check {
	return append(s.healthChecks(),
		handlers.Check{Name: "etcd-readiness", Run: s.checkStore},
		handlers.Check{Name: "shutdown", Run: func(*http.Request) error {
			if s.shuttingDown.Load() {
				return errors.New("process is shutting down")
			}
			return nil
		}},
	)
}

// checkStore asks the store for its revision, the cheapest read that proves it answers.
func (s *Server) checkStore(r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StoreCheckTimeout)
	defer cancel()
	if _, err := s.cfg.Store.CurrentRevision(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
