package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type options struct {
	kubeconfig string
	pid        int
	log        string
	rounds     []int
	// paced are the rounds run after the burst ones, one create every interval, as
	// upstream's node density test paces its pods (90 pods at 100 ms).
	paced       []int
	interval    time.Duration
	image       string
	command     []string
	concurrency int
	timeout     time.Duration
	// save writes the rounds' RSS of -pid to a file; baseline reads one such file,
	// from a run against a server whose node is simulated, and reports the difference
	// as what the agent adds.
	save, baseline string
	// marks appends "start N UNIXNANO" and "ready N UNIXNANO" lines to this file as
	// each round begins and ends, so a profiler running beside (perf record -k
	// realtime) can be cut to the rounds.
	marks string
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "podstart:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("podstart", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to measure")
	fs.IntVar(&o.pid, "pid", 0, "PID of the process running the node agent (kite server): its RSS, its containerd's and the shims' are reported; 0: no memory figures")
	fs.StringVar(&o.log, "log", "", "the server's log (slog text): split each pod's time at the agent's sandbox and container start lines")
	rounds := fs.String("rounds", "1,30,100", "comma-separated pod counts, one round each, every pod created at once (-concurrency in parallel)")
	paced := fs.String("paced", "", "comma-separated pod counts of rounds run after the -rounds ones, one create every -interval")
	fs.DurationVar(&o.interval, "interval", 100*time.Millisecond, "time between two creates of a -paced round")
	fs.StringVar(&o.image, "image", "registry.k8s.io/pause:3.10.2", "image of the pods' one container; it must be present on the node")
	command := fs.String("command", "", "the container's command, space-separated (busybox: \"sleep 3600\"); empty: the image's own")
	fs.IntVar(&o.concurrency, "concurrency", 16, "parallel pod creates")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up on a round after this long")
	fs.StringVar(&o.save, "save-rss", "", "write each round's RSS of -pid to this file (for -baseline-rss)")
	fs.StringVar(&o.baseline, "baseline-rss", "", "a -save-rss file of the same rounds against `kite server --simulated-nodes 1`: report the difference as the agent's share")
	fs.StringVar(&o.marks, "marks", "", "append \"start|ready PODS UNIXNANO\" lines to this file at each round's first create and last Ready (to cut a profile to the rounds)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.kubeconfig == "" {
		return o, errors.New("-kubeconfig is required")
	}
	var err error
	if o.rounds, err = counts("-rounds", *rounds); err != nil {
		return o, err
	}
	if *paced != "" {
		if o.paced, err = counts("-paced", *paced); err != nil {
			return o, err
		}
	}
	if len(o.rounds) == 0 && len(o.paced) == 0 {
		return o, errors.New("no rounds: give -rounds or -paced")
	}
	if o.concurrency < 1 {
		return o, errors.New("-concurrency must be positive")
	}
	if o.interval <= 0 {
		return o, errors.New("-interval must be positive")
	}
	o.command = strings.Fields(*command)
	return o, nil
}

// counts parses a comma-separated list of pod counts; "" is none.
func counts(flag, list string) ([]int, error) {
	var out []int
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flag, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(o options) error {
	rc, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = -1, 0 // no client-side throttling: measure the cluster
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := waitNode(ctx, c, 2*time.Minute); err != nil {
		return err
	}
	rep := &report{}
	idle := sampleMemory(o.pid)
	idle.heap, _ = liveHeap(ctx, c)
	rep.setIdle(idle)
	type plan struct {
		n        int
		interval time.Duration
	}
	var plans []plan
	for _, n := range o.rounds {
		plans = append(plans, plan{n, 0})
	}
	for _, n := range o.paced {
		plans = append(plans, plan{n, o.interval})
	}
	for _, p := range plans {
		res, err := runRound(ctx, c, o, p.n, p.interval)
		if err != nil {
			return fmt.Errorf("round of %d pods: %w", p.n, err)
		}
		if o.log != "" {
			res.splitAtAgentLog(o.log)
		}
		rep.round(res)
	}
	if o.baseline != "" {
		if err := rep.loadBaseline(o.baseline); err != nil {
			return err
		}
	}
	rep.print(os.Stdout)
	if o.save != "" {
		return rep.saveRSS(o.save)
	}
	return nil
}
