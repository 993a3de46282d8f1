package main

import (
	"context"
	"log/slog"

	"k8s.io/client-go/rest"

	"kite/pki"
)

// componentREST is the loopback connection of an in-process component (controller
// manager, scheduler) to the API server at url, with its own client certificate
// (certFile in DATA-DIR/pki, for user) so that it is told apart as upstream's separate
// processes are.
func componentREST(pkiCfg pki.Config, certFile, user, url string, caPEM []byte) (*rest.Config, error) {
	cert, err := pki.EnsureClient(pkiCfg, certFile, user)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host: url,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   caPEM,
			CertData: cert.CertPEM,
			KeyData:  cert.KeyPEM,
		},
	}, nil
}

// runBeside runs a component until ctx ends, and returns the context the API server
// must serve with: it ends only after serveCtx has ended and run has returned (its
// watches closed, its Lease released), so the server never waits out its shutdown
// timeout for the component's connections, and the next server can take the Lease at
// once.
func runBeside(ctx, serveCtx context.Context, name string, run func(context.Context) error, logger *slog.Logger) context.Context {
	out, stopServing := context.WithCancel(context.WithoutCancel(serveCtx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := run(ctx); err != nil {
			logger.Error(name+" failed", "err", err)
		}
		logger.Info(name + " stopped")
	}()
	go func() {
		defer stopServing()
		<-serveCtx.Done()
		<-done
	}()
	return out
}
