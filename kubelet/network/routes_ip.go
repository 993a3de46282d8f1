package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// execFunc runs a command with stdin and returns its combined output (Config.Exec).
type execFunc func(ctx context.Context, stdin string, name string, args ...string) ([]byte, error)

// proto is RouteProtocol as ip(8) takes it.
func proto() string { return strconv.Itoa(RouteProtocol) }

// readHost reads the host's connected networks and addresses with ip(8)'s JSON output.
func readHost(ctx context.Context, exec execFunc) (hostView, error) {
	var h hostView
	out, err := exec(ctx, "", "ip", "-j", "-4", "route", "show", "table", "main", "scope", "link")
	if err != nil {
		return h, err
	}
	var links []struct {
		Type string `json:"type"`
		Dst  string `json:"dst"`
	}
	if err := decodeIP(out, &links); err != nil {
		return h, fmt.Errorf("ip route show scope link: %w", err)
	}
	for _, l := range links {
		// Only unicast routes make a network reachable; "default dev X scope link"
		// would make every address look connected, so it does not count either.
		if (l.Type != "" && l.Type != "unicast") || l.Dst == "default" {
			continue
		}
		if p, ok := parseDst(l.Dst); ok {
			h.connected = append(h.connected, p)
		}
	}
	out, err = exec(ctx, "", "ip", "-j", "-4", "addr", "show")
	if err != nil {
		return h, err
	}
	var addrs []struct {
		AddrInfo []struct {
			Local string `json:"local"`
		} `json:"addr_info"`
	}
	if err := decodeIP(out, &addrs); err != nil {
		return h, fmt.Errorf("ip addr show: %w", err)
	}
	for _, l := range addrs {
		for _, a := range l.AddrInfo {
			if ip, err := netip.ParseAddr(a.Local); err == nil {
				h.local = append(h.local, ip)
			}
		}
	}
	return h, nil
}

// kiteRoutes lists the main table's routes with Kite's protocol number.
func kiteRoutes(ctx context.Context, exec execFunc) ([]route, error) {
	out, err := exec(ctx, "", "ip", "-j", "-4", "route", "show", "table", "main", "proto", proto())
	if err != nil {
		return nil, err
	}
	var rs []struct {
		Dst     string `json:"dst"`
		Gateway string `json:"gateway"`
	}
	if err := decodeIP(out, &rs); err != nil {
		return nil, fmt.Errorf("ip route show proto %s: %w", proto(), err)
	}
	var routes []route
	for _, r := range rs {
		dst, ok := parseDst(r.Dst)
		// A route without a gateway is not one of Kite's shape: list it anyway with
		// no address, so that it is replaced or deleted.
		via, _ := netip.ParseAddr(r.Gateway)
		if ok {
			routes = append(routes, route{Dst: dst, Via: via})
		}
	}
	return routes, nil
}

// applyRoutes changes the host's Kite routes from current to desired, each change a
// command of its own: one that fails (a route of someone else's on the same
// destination, say) does not hold back the others. It returns what it did and every
// failure.
func applyRoutes(ctx context.Context, exec execFunc, current, desired []route, own netip.Prefix) (done []string, err error) {
	del, replace, add := routeChanges(current, desired, own)
	var errs []error
	run := func(verb string, r route, args ...string) {
		if _, err := exec(ctx, "", "ip", append([]string{"-4", "route", verb, r.Dst.String()}, args...)...); err != nil {
			errs = append(errs, err)
			return
		}
		done = append(done, verb+" "+r.String())
	}
	for _, r := range del {
		// Naming the protocol deletes Kite's route only, never another one to the
		// same destination.
		run("del", r, "table", "main", "proto", proto())
	}
	for _, r := range replace {
		run("replace", r, "via", r.Via.String(), "table", "main", "proto", proto())
	}
	for _, r := range add {
		// add, not replace: a route someone else put there stays, and the failure
		// says so.
		run("add", r, "via", r.Via.String(), "table", "main", "proto", proto())
	}
	return done, errors.Join(errs...)
}

// flushRoutes removes every IPv4 route with Kite's protocol number from the main table.
func flushRoutes(ctx context.Context, exec execFunc) error {
	_, err := exec(ctx, "", "ip", "-4", "route", "flush", "table", "main", "proto", proto())
	return err
}

// decodeIP decodes ip -j output; ip prints nothing at all for some empty lists.
func decodeIP(out []byte, v any) error {
	if strings.TrimSpace(string(out)) == "" {
		return nil
	}
	return json.Unmarshal(out, v)
}

// parseDst reads a route's destination: a prefix, or a single address (a /32).
func parseDst(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.PrefixFrom(a, 32), true
	}
	return netip.Prefix{}, false
}
