package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// Check is one named health check, e.g. "ping" or "etcd".
type Check struct {
	Name string
	// Run returns nil when healthy. Its error is logged and shown only on the check's own
	// path (/readyz/<name>), never in the overall answer, which anonymous users can read.
	Run func(r *http.Request) error
}

// Health serves the overall answer of a health endpoint such as /readyz, in upstream's
// format:
//   - all checks pass: 200 "ok", or with ?verbose one "[+]<name> ok" line per check and
//     "<endpoint> check passed";
//   - a check fails: 500 with the verbose list ("[-]<name> failed: reason withheld")
//     and "<endpoint> check failed", whether or not ?verbose was given;
//   - ?exclude=<name> (repeatable) skips a check ("[+]<name> excluded: ok"); naming a check
//     that does not exist adds a "warn:" line.
//
// endpoint is the name without the slash ("readyz"); logger records why checks failed.
func Health(endpoint string, checks []Check, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query := r.URL.Query()
		excluded := slices.Clone(query["exclude"])
		var out bytes.Buffer
		var failed []string
		for _, c := range checks {
			if slices.Contains(excluded, c.Name) {
				excluded = slices.DeleteFunc(excluded, func(n string) bool { return n == c.Name })
				fmt.Fprintf(&out, "[+]%s excluded: ok\n", c.Name)
				continue
			}
			if err := c.Run(r); err != nil {
				fmt.Fprintf(&out, "[-]%s failed: reason withheld\n", c.Name)
				failed = append(failed, c.Name)
				logger.Info("health check failed", "endpoint", endpoint, "check", c.Name, "err", err)
				continue
			}
			fmt.Fprintf(&out, "[+]%s ok\n", c.Name)
		}
		if len(excluded) > 0 {
			slices.Sort(excluded)
			fmt.Fprintf(&out, "warn: some health checks cannot be excluded: no matches for %s\n", quoteAll(slices.Compact(excluded)))
		}

		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(&out, "%s check failed\n", endpoint)
			_, _ = out.WriteTo(w)
			return
		}
		w.WriteHeader(http.StatusOK)
		if _, verbose := query["verbose"]; !verbose {
			_, _ = w.Write([]byte("ok"))
			return
		}
		fmt.Fprintf(&out, "%s check passed\n", endpoint)
		_, _ = out.WriteTo(w)
	})
}

// HealthCheck serves one check on its own path: 200 "ok", or 500 with the error, which
// (unlike the overall answer) is shown because this path is not open to anonymous users.
func HealthCheck(c Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if err := c.Run(r); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "internal server error: %v\n", err)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok"))
	})
}

func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(quoted, ",")
}
