package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"kite/controllers"
	"kite/pki"
)

// controllerManagerCert is the file name (in DATA-DIR/pki) of the controller manager's
// client certificate.
const controllerManagerCert = "controller-manager"

// startControllers starts the controller manager on its own identity against the API
// server at url. Local-path volumes go under DATA-DIR/storage, unless localPath is false
// (no provisioner, no default StorageClass); localNode is this process's node agent
// ("" for none); node certificates live signingDuration at most.
// It returns the context the API server must serve with (runBeside).
func startControllers(ctx, serveCtx context.Context, pkiCfg pki.Config, url string, caPEM []byte, dataDir, localNode string, localPath bool, signingDuration time.Duration, logger *slog.Logger) (context.Context, string, error) {
	rc, err := componentREST(pkiCfg, controllerManagerCert, pki.ControllerManagerUser, url, caPEM)
	if err != nil {
		return nil, "", err
	}
	// The controller manager signs node agents' certificate requests with the CA.
	ca, err := pki.LoadCA(pkiCfg)
	if err != nil {
		return nil, "", err
	}
	storageDir := filepath.Join(dataDir, "storage")
	if !localPath {
		storageDir = "" // the manager then runs no provisioner
	}
	mgr, err := controllers.New(controllers.Config{REST: rc, RootCA: caPEM, Signer: ca, SigningDuration: signingDuration,
		StorageDir: storageDir, LocalNode: localNode, Logger: logger})
	if err != nil {
		return nil, "", err
	}
	serveCtx = runBeside(ctx, serveCtx, "controller manager", mgr.Run, logger)
	return serveCtx, fmt.Sprintf("as %s, identity %s", pki.ControllerManagerUser, mgr.Identity()), nil
}

// minSigningDuration is the shortest --cluster-signing-duration: a node renews its
// certificate at 70-90 % of its life, and the CSR takes a second or two to be approved
// and signed; below this the last tenth of a life leaves too little time for it, and
// nodes would drop out between two certificates.
const minSigningDuration = 30 * time.Second

func validSigningDuration(d time.Duration) error {
	if d < minSigningDuration {
		return fmt.Errorf("--cluster-signing-duration %s is too short: nodes renew their certificates at 70-90%% of that life and need seconds for it; use at least %s", d, minSigningDuration)
	}
	return nil
}
