package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

type options struct {
	kubeconfig string
	pid        int
	objects    int
	ops        int
	// cleanCRUD deletes the create/get/update measurements' ConfigMaps before the
	// LISTs, so that the LISTs, the deletecollection and the RSS after the run see
	// exactly objects ConfigMaps, as issue 3's run counts them.
	cleanCRUD bool
	// concurrency lists the create/get/update concurrencies; crudOnly stops after them
	// (for profiling one phase).
	concurrency string
	crudOnly    bool
	// settle is how long after the run the RSS is read a second time.
	settle time.Duration
}

func run() error {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to measure")
	flag.IntVar(&o.pid, "pid", 0, "PID of the API server (its RSS is reported; 0: not reported)")
	flag.IntVar(&o.objects, "objects", 10000, "ConfigMaps for the LIST and deletecollection measurements")
	flag.IntVar(&o.ops, "ops", 3000, "operations per create/get/update measurement")
	flag.BoolVar(&o.cleanCRUD, "clean-crud", false, "delete the create/get/update ConfigMaps before the LISTs, so that LIST, deletecollection and the RSS after the run see exactly -objects ConfigMaps")
	flag.StringVar(&o.concurrency, "concurrency", "1,16,64", "comma-separated concurrencies of the create/get/update measurements")
	flag.BoolVar(&o.crudOnly, "crud-only", false, "stop after the create/get/update measurements")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "read the server's RSS again this long after the run (0: not)")
	flag.Parse()
	if o.kubeconfig == "" {
		return fmt.Errorf("-kubeconfig is required")
	}
	var concs []int
	for _, f := range strings.Split(o.concurrency, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-concurrency: %q is not a positive number", f)
		}
		concs = append(concs, n)
	}
	ctx := context.Background()
	clients := map[string]kubernetes.Interface{}
	for _, ct := range []string{"json", "protobuf"} {
		cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
		if err != nil {
			return err
		}
		cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling: measure the server
		// Named explicitly: left unset, client-go 0.37's typed clients already send and
		// accept protobuf for built-in types, and the "json" rows would be protobuf too.
		cfg.ContentType = "application/json"
		if ct == "protobuf" {
			cfg.ContentType = "application/vnd.kubernetes.protobuf"
		}
		if clients[ct], err = kubernetes.NewForConfig(cfg); err != nil {
			return err
		}
	}
	ns := "kite-apiload-" + utilrand.String(5)
	c := clients["json"]
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	defer c.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})

	report := newReport()
	report.rss("RSS idle", o.pid)
	for _, ct := range []string{"json", "protobuf"} {
		for _, conc := range concs {
			if err := crud(ctx, report, clients[ct], o.pid, ns, ct, conc, o.ops); err != nil {
				return err
			}
		}
	}
	if o.crudOnly {
		report.rss("RSS after the run", o.pid)
		report.print(os.Stdout)
		return nil
	}
	left := o.objects + len(concs)*2*o.ops
	if o.cleanCRUD {
		if err := c.CoreV1().ConfigMaps(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			return err
		}
		left = o.objects
	}
	if err := createListed(ctx, c, ns, o.objects); err != nil {
		return err
	}
	// JSON first (kubectl's encoding; client-go's typed clients default to protobuf).
	for _, ct := range []string{"json", "protobuf"} {
		if err := lists(ctx, report, clients[ct], o.pid, ct, ns, o.objects); err != nil {
			return err
		}
	}
	for _, n := range []int{8, 100} {
		if err := watchLatency(ctx, report, c, ns, n); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := c.CoreV1().ConfigMaps(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return err
	}
	report.add(fmt.Sprintf("deletecollection of %d", left), time.Since(start).Seconds(), "s")
	report.rss("RSS after the run", o.pid)
	if o.pid != 0 && o.settle > 0 {
		// What the server keeps once it has had a moment: the run's garbage is
		// collected and returned by then, if the server does so.
		time.Sleep(o.settle)
		report.rss(fmt.Sprintf("RSS %s after the run", o.settle), o.pid)
	}
	report.print(os.Stdout)
	return nil
}
