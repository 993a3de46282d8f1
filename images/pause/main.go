package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is printed by -v, so a sandbox's pause can be told apart from upstream's.
const version = "kite-pause 1"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println(version)
		return
	}
	if os.Getpid() != 1 {
		// Upstream's pause warns too: outside a PID namespace it reaps nothing of use.
		fmt.Fprintln(os.Stderr, "pause: warning: not PID 1; orphans will not be reaped here")
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig == syscall.SIGCHLD {
			reap()
			continue
		}
		// SIGINT or SIGTERM: the runtime is stopping the sandbox.
		os.Exit(0)
	}
}

// reap collects every child that has exited. Signals coalesce, so one SIGCHLD may stand
// for several exits: loop until none is left.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
