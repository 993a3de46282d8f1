package main

import (
	"context"
	"fmt"
	"log/slog"

	"k8s.io/client-go/kubernetes"

	"kite/kubelet/simulated"
	"kite/pki"
)

// simulatedNodesCert is the file name (in DATA-DIR/pki) of the simulated nodes' client
// certificate, and simulatedNodesUser its user.
const (
	simulatedNodesCert = "simulated-nodes"
	simulatedNodesUser = "system:kite-simulated-nodes"
)

// startSimulatedNodes runs n simulated nodes against the API server at url, in place
// of the node agent. It returns the context the API server must serve with
// (runBeside), so the simulator's watches end before the server stops.
func startSimulatedNodes(ctx, serveCtx context.Context, n int, pkiCfg pki.Config, url string, caPEM []byte, logger *slog.Logger) (context.Context, error) {
	rc, err := componentREST(pkiCfg, simulatedNodesCert, simulatedNodesUser, url, caPEM)
	if err != nil {
		return nil, err
	}
	// A thousand nodes and ten thousand pods make many small writes; the default 5 QPS
	// of client-go would make them crawl.
	rc.QPS, rc.Burst = 2000, 4000
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	sim, err := simulated.New(simulated.Config{Client: client, Nodes: n, KubeletVersion: kiteVersion().GitVersion, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("--simulated-nodes: %w", err)
	}
	return runBeside(ctx, serveCtx, "simulated nodes", sim.Run, logger), nil
}
