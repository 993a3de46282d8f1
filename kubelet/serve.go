package kubelet

import (
	"context"
	"log/slog"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"kite/kubelet/cri"
	"kite/kubelet/server"
)

// serve runs the agent's HTTPS server (logs, exec, attach, port-forward) on
// cfg.ServerPort until ctx ends. A port that cannot be had is logged: the node still
// runs its pods, only their streams are unavailable.
func serve(ctx context.Context, cfg Config, client kubernetes.Interface, rt *cri.Client, log *slog.Logger) {
	srv, err := server.New(server.Config{
		NodeName: cfg.NodeName,
		Runtime:  rt.Runtime,
		Pods: func(ctx context.Context) (*corev1.PodList, error) {
			return client.CoreV1().Pods("").List(ctx, metav1.ListOptions{
				FieldSelector: fields.OneTermEqualSelector("spec.nodeName", cfg.NodeName).String(),
			})
		},
		Cert:      cfg.ServingCert,
		GetCert:   cfg.GetServingCert,
		ClientCAs: cfg.ClientCAs,
		Logger:    log,
	})
	if err != nil {
		log.Error("node agent server not started", "err", err)
		return
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort("", strconv.Itoa(cfg.ServerPort)))
	if err != nil {
		log.Error("node agent server not started: logs, exec and port-forward are unavailable", "err", err)
		return
	}
	log.Info("node agent server listening", "addr", ln.Addr().String())
	if err := srv.Serve(ctx, ln); err != nil && ctx.Err() == nil {
		log.Error("node agent server stopped", "err", err)
	}
}
