package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxRedirects is how many same-host redirects an HTTP probe follows, as Go's client
// and upstream do.
const maxRedirects = 10

// errOtherHost stops the client at a redirect to another host.
var errOtherHost = errors.New("redirect to another host")

// HTTPGet sends one GET as the probe says, to the target's address (the probe's host
// only when it is that address). 200–399 is a success; a redirect is followed while it
// stays on the same host, and one to another host is a success with a warning, as
// upstream does, without dialling that host. Certificates are not verified.
func (p *Prober) HTTPGet(ctx context.Context, g *corev1.HTTPGetAction, t Target, timeout time.Duration) Outcome {
	return p.httpGet(ctx, g, t, timeout, UserAgent)
}

// HookHTTPGet is HTTPGet for a lifecycle hook, which upstream sends as
// kube-lifecycle/<version> rather than kube-probe.
func (p *Prober) HookHTTPGet(ctx context.Context, g *corev1.HTTPGetAction, t Target, timeout time.Duration) Outcome {
	return p.httpGet(ctx, g, t, timeout, HookUserAgent)
}

func (p *Prober) httpGet(ctx context.Context, g *corev1.HTTPGetAction, t Target, timeout time.Duration, userAgent string) Outcome {
	port, err := resolvePort(g.Port, t.Ports)
	if err != nil {
		return Outcome{Result: Unknown, Output: err.Error()}
	}
	host, err := allowedHost(g.Host, t.Address)
	if err != nil {
		return Outcome{Result: Unknown, Output: err.Error()}
	}
	u := httpURL(g.Scheme, host, port, g.Path)
	transport := &http.Transport{
		Proxy:             nil, // never through a proxy: only the pod is dialled
		DialContext:       dialer(host, timeout),
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // upstream's probes do not verify
		DisableKeepAlives: true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Timeout:   timeout,
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Hostname() != via[0].URL.Hostname() {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Outcome{Result: Failure, Output: err.Error()}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "*/*")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	// Headers the probe sets replace the defaults rather than adding to them.
	for _, name := range []string{"User-Agent", "Accept"} {
		if vals := probeHeader(g.HTTPHeaders, name); vals != nil {
			req.Header[http.CanonicalHeaderKey(name)] = vals
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Outcome{Result: Failure, Output: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOutput))
	if err != nil {
		return Outcome{Result: Failure, Output: err.Error()}
	}
	switch {
	case resp.StatusCode >= http.StatusBadRequest || resp.StatusCode < http.StatusOK:
		return Outcome{Result: Failure, Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)}
	case resp.StatusCode >= http.StatusMultipleChoices:
		// Only a redirect to another host ends here.
		return Outcome{Result: Success, Output: string(body),
			Warning: fmt.Sprintf("Probe terminated redirects, Response body: %s", body)}
	}
	return Outcome{Result: Success, Output: string(body)}
}

func probeHeader(hs []corev1.HTTPHeader, name string) []string {
	var out []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

// httpURL is the URL of an HTTP probe or hook.
func httpURL(scheme corev1.URIScheme, host string, port int, path string) *url.URL {
	s := strings.ToLower(string(scheme))
	if s == "" {
		s = "http"
	}
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	// The path is parsed as written, so an escape in it (%20) is sent as is.
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	u.Scheme, u.Host = s, net.JoinHostPort(host, strconv.Itoa(port))
	return u
}
