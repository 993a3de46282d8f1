package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/util/proxy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// execOptions are the streams an exec or attach asks for. The API server names them
// input, output, error and tty ("1"); stdin, stdout and stderr are read too.
type execOptions struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

func parseExecOptions(q url.Values) (execOptions, error) {
	flag := func(names ...string) bool {
		for _, n := range names {
			if b, err := strconv.ParseBool(q.Get(n)); err == nil && b {
				return true
			}
		}
		return false
	}
	o := execOptions{
		command: q["command"],
		stdin:   flag("input", "stdin"),
		stdout:  flag("output", "stdout"),
		stderr:  flag("error", "stderr"),
		tty:     flag("tty"),
	}
	if o.tty {
		// A terminal has one output stream, as upstream's kubelet assumes.
		o.stderr = false
	}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, errors.New("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}

// serveExec is /exec/{namespace}/{pod}[/{uid}]/{container}?command=...: the runtime's
// exec stream for the running container.
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	opts, err := parseExecOptions(r.URL.Query())
	if err == nil && len(opts.command) == 0 {
		err = errors.New("you must specify a command")
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.stream(w, r, func(ctx context.Context, id string) (string, error) {
		resp, err := s.cfg.Runtime.Exec(ctx, &runtimeapi.ExecRequest{
			ContainerId: id, Cmd: opts.command,
			Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr,
		})
		return resp.GetUrl(), err
	})
}

// serveAttach is /attach/{namespace}/{pod}[/{uid}]/{container}: the runtime's attach
// stream to the running container's own process.
func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	opts, err := parseExecOptions(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.stream(w, r, func(ctx context.Context, id string) (string, error) {
		resp, err := s.cfg.Runtime.Attach(ctx, &runtimeapi.AttachRequest{
			ContainerId: id, Tty: opts.tty, Stdin: opts.stdin, Stdout: opts.stdout, Stderr: opts.stderr,
		})
		return resp.GetUrl(), err
	})
}

// stream finds the running container named in the path, asks the runtime for a stream
// URL and proxies the request to it.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, ask func(ctx context.Context, id string) (string, error)) {
	ctx := r.Context()
	id, err := s.runningContainer(ctx, r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("uid"), r.PathValue("container"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	u, err := ask(ctx, id)
	if err != nil {
		s.writeError(w, fmt.Errorf("asking the runtime for a stream: %w", err))
		return
	}
	s.proxyStream(w, r, u)
}

// servePortForward is /portForward/{namespace}/{pod}[/{uid}]: the runtime's port
// forwarding stream into the pod's network namespace (the ports are named in the
// stream headers, not the URL).
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := s.readySandbox(ctx, r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("uid"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	resp, err := s.cfg.Runtime.PortForward(ctx, &runtimeapi.PortForwardRequest{PodSandboxId: id})
	if err != nil {
		s.writeError(w, fmt.Errorf("asking the runtime for a port forward: %w", err))
		return
	}
	s.proxyStream(w, r, resp.GetUrl())
}

// proxyStream passes the client's upgrade request on to the runtime's streaming
// server at raw, and then the bytes both ways.
func (s *Server) proxyStream(w http.ResponseWriter, r *http.Request, raw string) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		s.writeError(w, fmt.Errorf("the runtime answered an unusable stream URL %q", raw))
		return
	}
	h := proxy.NewUpgradeAwareHandler(u, nil, false, true, errorResponder{s})
	h.ServeHTTP(w, r)
}

// errorResponder answers a failed proxy as a 502.
type errorResponder struct{ s *Server }

func (e errorResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	e.s.log.Warn("proxying a stream to the runtime", "err", err)
	http.Error(w, err.Error(), http.StatusBadGateway)
}
