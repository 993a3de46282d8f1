package main

import (
	"context"
	"fmt"
	"log/slog"

	"kite/pki"
	"kite/scheduler"
)

// schedulerCert is the file name (in DATA-DIR/pki) of the scheduler's client
// certificate.
const schedulerCert = "scheduler"

// startScheduler starts the scheduler on its own identity against the API server at
// url. It returns the context the API server must serve with (runBeside).
func startScheduler(ctx, serveCtx context.Context, pkiCfg pki.Config, url string, caPEM []byte, logger *slog.Logger) (context.Context, string, error) {
	rc, err := componentREST(pkiCfg, schedulerCert, pki.SchedulerUser, url, caPEM)
	if err != nil {
		return nil, "", err
	}
	s, err := scheduler.New(scheduler.Config{REST: rc, Logger: logger})
	if err != nil {
		return nil, "", err
	}
	serveCtx = runBeside(ctx, serveCtx, "scheduler", s.Run, logger)
	return serveCtx, fmt.Sprintf("as %s, identity %s", pki.SchedulerUser, s.Identity()), nil
}
