package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
)

// metricsHandler serves /metrics in Prometheus text, as upstream's kubelet does, with a
// few of its metrics by their upstream names (the node's name, its running pods and
// containers) and the process's. Tools read it through the API server's nodes/proxy:
// the e2e framework, for one, scrapes it after every failed spec.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kubelet_node_name", Help: "The node's name. The count is always 1.",
			ConstLabels: prometheus.Labels{"node": s.cfg.NodeName},
		}, func() float64 { return 1 }),
		runningCollector{s},
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

var (
	runningPodsDesc = prometheus.NewDesc("kubelet_running_pods", "Number of pods that have a running pod sandbox", nil, nil)
	runningCtrsDesc = prometheus.NewDesc("kubelet_running_containers", "Number of containers currently running",
		nil, prometheus.Labels{"container_state": "running"})
)

// runningCollector reports the running pods and containers from one listing per scrape.
type runningCollector struct{ s *Server }

func (runningCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- runningPodsDesc
	ch <- runningCtrsDesc
}

func (c runningCollector) Collect(ch chan<- prometheus.Metric) {
	pods, ctrs := c.s.running()
	ch <- prometheus.MustNewConstMetric(runningPodsDesc, prometheus.GaugeValue, float64(pods))
	ch <- prometheus.MustNewConstMetric(runningCtrsDesc, prometheus.GaugeValue, float64(ctrs))
}

// running counts the node's pods that are not finished and their running containers.
func (s *Server) running() (pods, containers int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := s.cfg.Pods(ctx)
	if err != nil {
		return 0, 0
	}
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		pods++
		for _, c := range p.Status.ContainerStatuses {
			if c.State.Running != nil {
				containers++
			}
		}
	}
	return pods, containers
}
