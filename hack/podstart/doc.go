// Command podstart measures the node agent: how long a pod takes from its create to
// Ready as a watch sees it, for rounds of 1, 30 and 100 pods whose image is present, and
// how much memory the agent's process and containerd hold with those pods running.
// hack/podstart.sh (`make bench-podstart`) starts a fresh `kite server` with its node
// agent on a temporary data directory and runs it; against another cluster:
//
//	podstart -kubeconfig KC [-pid PID] [-log KITE-LOG] [-rounds 1,30,100] [-paced 100 -interval 100ms]
//
// Each round creates its pods in a fresh namespace (kite-podstart-…): a -rounds round
// all at once (a burst), a -paced round one every -interval, as upstream's node density
// test paces its pods (test/e2e_node/density_test.go: 90 pods at 100 ms). It waits for
// all of them to be Ready, records the latencies and the memory, and deletes the
// namespace, waiting until its pods are gone before the next round. With -log (the
// server's stderr, slog text) it also splits each pod's time at the agent's "pod
// sandbox started" and "container started" lines: scheduled → sandbox up (the agent's
// queue, volumes, the sandbox and its CNI set-up), sandbox → container started (image
// check, create and start), started → Ready seen (the status write and the watch).
// With -pid it also reports the CPU time the agent's process, its containerd (with the
// CNI plugins), the shims (with runc) and the pods' processes (runc init's work is
// charged to them) used during each round, the CPU per pod and the floor it sets on
// this machine (CPU per pod × pods / cores: no burst can be all Ready sooner), and their
// memory;
// with -baseline-rss, what the agent adds to the server's RSS and live heap over a
// server whose node is simulated. -marks writes each round's first create and last
// Ready to a file, to cut a system-wide profile (perf record -k realtime) to the rounds.
// It reaches nothing but the API server.
package main
