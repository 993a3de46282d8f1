package nodeproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/registry"
)

// logParams are the pods/log options the agent's /containerLogs reads, passed on as
// the client gave them.
var logParams = []string{"follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime"}

// Pod serves a pod's log, exec, attach, portforward and proxy subresources.
func (c *Connector) Pod(ctx context.Context, pod *corev1.Pod, sub, container, port string, req registry.ConnectRequest) (http.Handler, error) {
	if sub == "proxy" {
		return c.podProxy(pod, port, req)
	}
	base, err := c.agentURL(ctx, pod.Spec.NodeName)
	var why unreachable
	if errors.As(err, &why) {
		return nil, serviceUnavailable("no node agent serves pod %s/%s on node %q: %s", pod.Namespace, pod.Name, pod.Spec.NodeName, why.reason)
	}
	if err != nil {
		return nil, err
	}
	loc, opts, err := streamLocation(base, pod, sub, container, req.Query)
	if err != nil {
		return nil, err
	}
	switch sub {
	case "log":
		return c.streamLog(ctx, loc, pod)
	case "portforward":
		return c.upgrade(loc, opts, true), nil
	}
	return c.upgrade(loc, opts, false), nil
}

// streamLocation is the agent URL of a pod's log, exec, attach or portforward, with
// the query the agent reads: the log options as the client gave them, exec and attach
// streams under the agent's names (input, output, error, tty), as upstream's API
// server sends them.
func streamLocation(base *url.URL, pod *corev1.Pod, sub, container string, query url.Values) (*url.URL, streamOpts, error) {
	loc := *base
	q := url.Values{}
	var opts streamOpts
	switch sub {
	case "log":
		loc.Path = "/containerLogs/" + pod.Namespace + "/" + pod.Name + "/" + container
		for _, p := range logParams {
			if v, ok := query[p]; ok {
				q[p] = v
			}
		}
	case "exec", "attach":
		loc.Path = "/" + sub + "/" + pod.Namespace + "/" + pod.Name + "/" + container
		var err error
		if opts, err = streamOptions(query); err != nil {
			return nil, opts, err
		}
		if sub == "exec" {
			if len(query["command"]) == 0 {
				return nil, opts, apierrors.NewBadRequest("you must specify at least one command for the container")
			}
			q["command"] = query["command"]
		}
		for _, f := range []struct {
			name string
			on   bool
		}{{"input", opts.stdin}, {"output", opts.stdout}, {"error", opts.stderr && !opts.tty}, {"tty", opts.tty}} {
			if f.on {
				q.Set(f.name, "1")
			}
		}
	case "portforward":
		loc.Path = "/portForward/" + pod.Namespace + "/" + pod.Name
	default:
		return nil, opts, apierrors.NewNotFound(corev1.Resource("pods/"+sub), pod.Name)
	}
	loc.RawQuery = q.Encode()
	return &loc, opts, nil
}

// streamOpts are the streams of an exec or attach.
type streamOpts struct {
	stdin, stdout, stderr, tty bool
}

// streamOptions reads PodExecOptions/PodAttachOptions' stream flags from the query.
func streamOptions(q url.Values) (streamOpts, error) {
	var o streamOpts
	for _, f := range []struct {
		name string
		to   *bool
	}{{"stdin", &o.stdin}, {"stdout", &o.stdout}, {"stderr", &o.stderr}, {"tty", &o.tty}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return o, apierrors.NewBadRequest(fmt.Sprintf("%s: %q is not a boolean", f.name, v))
		}
		*f.to = b
	}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}
