package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"kite/controllers"
	"kite/pki"
)

// controllerManagerCert is the file name (in DATA-DIR/pki) of the controller manager's
// client certificate.
const controllerManagerCert = "controller-manager"

// startControllers starts the controller manager on its own identity against the API
// server at url. Local-path volumes go under DATA-DIR/storage; localNode is this
// process's node agent ("" for none). It returns the context the API server must serve
// with (runBeside).
func startControllers(ctx, serveCtx context.Context, pkiCfg pki.Config, url string, caPEM []byte, dataDir, localNode string, logger *slog.Logger) (context.Context, string, error) {
	rc, err := componentREST(pkiCfg, controllerManagerCert, pki.ControllerManagerUser, url, caPEM)
	if err != nil {
		return nil, "", err
	}
	// The controller manager signs node agents' certificate requests with the CA.
	ca, err := pki.LoadCA(pkiCfg)
	if err != nil {
		return nil, "", err
	}
	mgr, err := controllers.New(controllers.Config{REST: rc, RootCA: caPEM, Signer: ca,
		StorageDir: filepath.Join(dataDir, "storage"), LocalNode: localNode, Logger: logger})
	if err != nil {
		return nil, "", err
	}
	serveCtx = runBeside(ctx, serveCtx, "controller manager", mgr.Run, logger)
	return serveCtx, fmt.Sprintf("as %s, identity %s", pki.ControllerManagerUser, mgr.Identity()), nil
}
