package network

import (
	"fmt"
	"slices"
	"strings"
)

// networkName is the CNI network's name in the conflist. The portmap plugin writes it
// into the comment of each pod's rule in CNI-HOSTPORT-DNAT, which is how Cleanup tells
// Kite's port mappings from another CNI network's.
const networkName = "kite"

// The chains the portmap plugin shares between every pod (and every CNI network on the
// host) in the nat table: the entry for hostPort traffic, and the mark and masquerade
// that let the node and the pods reach a hostPort through 127.0.0.1 or the node's
// address.
const (
	hostportDNAT    = "CNI-HOSTPORT-DNAT"
	hostportSetMark = "CNI-HOSTPORT-SETMARK"
	hostportMasq    = "CNI-HOSTPORT-MASQ"
)

// portmapCleanupScript returns the iptables-restore --noflush input that removes what
// the portmap plugin left in the nat table for Kite's network, from the iptables-save
// output, or "" when there is nothing. A pod's own chain (CNI-DN-…) goes when the
// runtime tears its sandbox down; what stays is the chain of a pod whose teardown
// failed, and the shared chains with the built-in chains' jumps to them. The shared
// chains go only when nothing but Kite's rules and those jumps refers to them: another
// CNI network's mappings keep them, as iptables would refuse to delete a chain still
// jumped to.
func portmapCleanupScript(saved string) string {
	type rule struct{ chain, line string }
	var rules []rule
	declared := map[string]bool{}
	inNAT := false
	for _, line := range strings.Split(saved, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "*"):
			inNAT = line == "*nat"
		case !inNAT:
		case strings.HasPrefix(line, ":"):
			declared[strings.Fields(strings.TrimPrefix(line, ":"))[0]] = true
		case strings.HasPrefix(line, "-A "):
			if f := strings.Fields(line); len(f) > 1 {
				rules = append(rules, rule{f[1], line})
			}
		}
	}
	if !declared[hostportDNAT] {
		return ""
	}

	// Kite's mappings and their pods' chains.
	mine := fmt.Sprintf(`dnat name: \"%s\" `, networkName)
	var kiteRules []string
	remove := map[string]bool{}
	others := 0
	for _, r := range rules {
		if r.chain != hostportDNAT {
			continue
		}
		if !strings.Contains(r.line, mine) {
			others++
			continue
		}
		kiteRules = append(kiteRules, r.line)
		if t := jumpTarget(strings.Fields(r.line)); strings.HasPrefix(t, "CNI-DN-") && declared[t] {
			remove[t] = true
		}
	}

	// The shared chains, when only Kite's chains and the built-in chains' jumps use them.
	shared := []string{hostportDNAT, hostportSetMark, hostportMasq}
	builtin := map[string]bool{"PREROUTING": true, "INPUT": true, "OUTPUT": true, "POSTROUTING": true}
	dropShared := others == 0
	var jumps []string
	for _, r := range rules {
		t := jumpTarget(strings.Fields(r.line))
		if !slices.Contains(shared, t) || remove[r.chain] || slices.Contains(shared, r.chain) {
			continue
		}
		if !builtin[r.chain] {
			dropShared = false // someone else's chain uses them
			break
		}
		jumps = append(jumps, r.line)
	}

	var deletes []string
	if dropShared {
		for _, c := range shared {
			if declared[c] {
				remove[c] = true
			}
		}
		deletes = jumps
	} else {
		deletes = kiteRules
	}
	if len(deletes) == 0 && len(remove) == 0 {
		return ""
	}
	chains := make([]string, 0, len(remove))
	for c := range remove {
		chains = append(chains, c)
	}
	slices.Sort(chains)
	var b strings.Builder
	b.WriteString("*nat\n")
	for _, l := range deletes {
		fmt.Fprintf(&b, "-D%s\n", strings.TrimPrefix(l, "-A"))
	}
	for _, c := range chains {
		fmt.Fprintf(&b, "-F %s\n", c)
	}
	for _, c := range chains {
		fmt.Fprintf(&b, "-X %s\n", c)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// jumpTarget is the chain a rule jumps or goes to, or "".
func jumpTarget(fields []string) string {
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "-j" || fields[i] == "-g" {
			return fields[i+1]
		}
	}
	return ""
}
