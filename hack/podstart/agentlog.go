package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// The agent's log lines (kubelet/pods) that mark a pod's progress.
const (
	msgSandboxStarted   = "pod sandbox started"
	msgContainerStarted = "container started"
	msgPodDeleted       = "pod deleted"
)

// deletionSteps are the durations a "pod deleted" line carries, in the order the
// report shows them: the whole wait, then the sync's steps (kubelet/pods, steps.go).
var deletionSteps = []string{"sinceRequest", "total", "stopContainers", "stopSandbox", "observe", "status",
	"removeContainers", "removeSandbox", "volumes", "delete"}

// splitAtAgentLog fills in each pod's sandbox and started times from the server's log.
// A missing or unreadable log leaves them zero; the report then has no breakdown.
func (r *roundResult) splitAtAgentLog(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		kv := logfmt(sc.Text())
		ns, name, ok := strings.Cut(kv["pod"], "/")
		if !ok || ns != r.ns {
			continue
		}
		t := r.pods[name]
		if t == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, kv["time"])
		if err != nil {
			continue
		}
		switch kv["msg"] {
		case msgSandboxStarted:
			if t.sandbox.IsZero() {
				t.sandbox = at
			}
		case msgContainerStarted:
			if t.started.IsZero() {
				t.started = at
			}
		case msgPodDeleted:
			// The first line is the deletion; a later sync of the same pod only finds
			// it gone.
			if t.deletion != nil {
				continue
			}
			t.deletion = map[string]time.Duration{}
			for _, k := range deletionSteps {
				if d, err := time.ParseDuration(kv[k]); err == nil {
					t.deletion[k] = d
				}
			}
		}
	}
}

// logfmt splits one line of slog's text handler into its keys and values; a quoted
// value is unquoted.
func logfmt(line string) map[string]string {
	out := map[string]string{}
	for line != "" {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			break
		}
		key := line[:eq]
		line = line[eq+1:]
		var val string
		if strings.HasPrefix(line, `"`) {
			end := closingQuote(line)
			q := line[:end]
			line = line[end:]
			if u, err := strconv.Unquote(q); err == nil {
				val = u
			} else {
				val = q
			}
		} else {
			end := strings.IndexByte(line, ' ')
			if end < 0 {
				end = len(line)
			}
			val, line = line[:end], line[end:]
		}
		out[key] = val
	}
	return out
}

// closingQuote returns the index just past the quote that ends the quoted string at
// the start of s (or len(s) when it never ends).
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}
