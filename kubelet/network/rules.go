package network

import (
	"context"
	"fmt"
	"strings"
)

// ChainPrefix starts the name of every iptables chain Kite creates.
const ChainPrefix = "KITE-"

// A jump is a rule in a built-in chain that sends traffic into one of Kite's chains.
type jump struct {
	table, chain, rule string
}

// jumps are the entry points of Kite's chains, identified by their comment.
var jumps = []jump{
	{"nat", "POSTROUTING", `-m comment --comment "kite: pod egress" -j KITE-POSTROUTING`},
	{"filter", "FORWARD", `-m comment --comment "kite: pod forwarding" -j KITE-FORWARD`},
}

// rulesScript returns the iptables-restore --noflush input that (re)writes Kite's pod
// network chains. Declaring a chain flushes it, so the script replaces their rules as a
// whole: applying it twice leaves the same rules.
func rulesScript(cfg Config) string {
	cluster := cfg.ClusterCIDR.String()
	var b strings.Builder
	fmt.Fprintf(&b, "*nat\n:KITE-POSTROUTING - [0:0]\n")
	// Pod to pod keeps its source address; pod to anywhere else leaves as the node.
	fmt.Fprintf(&b, "-A KITE-POSTROUTING -s %s -d %s -j RETURN\n", cluster, cluster)
	fmt.Fprintf(&b, "-A KITE-POSTROUTING -s %s ! -d 224.0.0.0/4 -j MASQUERADE --random-fully\n", cluster)
	fmt.Fprintf(&b, "COMMIT\n*filter\n:KITE-FORWARD - [0:0]\n")
	if cfg.ServiceCIDR != nil {
		// A Service address is only meaningful on the node; one the Service rules did
		// not translate has no Service behind it, and must not leave the machine.
		fmt.Fprintf(&b, "-A KITE-FORWARD -d %s -j REJECT --reject-with icmp-port-unreachable\n", cfg.ServiceCIDR)
	}
	// A FORWARD policy of DROP (set by other software) must not cut pods off.
	fmt.Fprintf(&b, "-A KITE-FORWARD -s %s -j ACCEPT\n", cluster)
	fmt.Fprintf(&b, "-A KITE-FORWARD -d %s -j ACCEPT\n", cluster)
	fmt.Fprintf(&b, "COMMIT\n")
	return b.String()
}

// EnsureRules writes Kite's chains and makes sure each is jumped to once.
func EnsureRules(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if cfg.ClusterCIDR == nil {
		return fmt.Errorf("network: ClusterCIDR is required")
	}
	if _, err := cfg.Exec(ctx, rulesScript(cfg), "iptables-restore", "-w", "--noflush"); err != nil {
		return err
	}
	for _, j := range jumps {
		args := append([]string{"-w", "-t", j.table, "-C", j.chain}, splitRule(j.rule)...)
		if _, err := cfg.Exec(ctx, "", "iptables", args...); err == nil {
			continue
		}
		args = append([]string{"-w", "-t", j.table, "-I", j.chain, "1"}, splitRule(j.rule)...)
		if _, err := cfg.Exec(ctx, "", "iptables", args...); err != nil {
			return err
		}
	}
	return nil
}

// cleanupScript returns the iptables-restore --noflush input that removes every chain
// named KITE-… from the iptables-save output, and every rule of another chain that
// jumps to one. It returns "" when there is nothing to remove. Chains are all flushed
// before any is deleted, since Kite's chains may jump to each other.
func cleanupScript(saved string) string {
	var b strings.Builder
	var table string
	var deletes, flushes, removes []string
	flushTable := func() {
		if table != "" && len(flushes)+len(deletes) > 0 {
			fmt.Fprintf(&b, "*%s\n", table)
			for _, l := range deletes {
				fmt.Fprintln(&b, l)
			}
			for _, l := range flushes {
				fmt.Fprintln(&b, l)
			}
			for _, l := range removes {
				fmt.Fprintln(&b, l)
			}
			fmt.Fprintf(&b, "COMMIT\n")
		}
		deletes, flushes, removes = nil, nil, nil
	}
	for _, line := range strings.Split(saved, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "*"):
			flushTable()
			table = strings.TrimPrefix(line, "*")
		case strings.HasPrefix(line, ":"+ChainPrefix):
			name := strings.Fields(strings.TrimPrefix(line, ":"))[0]
			flushes = append(flushes, "-F "+name)
			removes = append(removes, "-X "+name)
		case strings.HasPrefix(line, "-A "):
			f := strings.Fields(line)
			if len(f) > 1 && !strings.HasPrefix(f[1], ChainPrefix) && jumpsToKite(f) {
				deletes = append(deletes, "-D"+strings.TrimPrefix(line, "-A"))
			}
		case line == "COMMIT":
			flushTable()
			table = ""
		}
	}
	flushTable()
	return b.String()
}

func jumpsToKite(fields []string) bool {
	for i := 0; i+1 < len(fields); i++ {
		if (fields[i] == "-j" || fields[i] == "-g") && strings.HasPrefix(fields[i+1], ChainPrefix) {
			return true
		}
	}
	return false
}

// splitRule splits a rule written as iptables-save prints it into arguments, keeping a
// double-quoted comment as one.
func splitRule(rule string) []string {
	var out []string
	var cur strings.Builder
	quoted, has := false, false
	for _, r := range rule {
		switch {
		case r == '"':
			quoted, has = !quoted, true
		case r == ' ' && !quoted:
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if has {
		out = append(out, cur.String())
	}
	return out
}
