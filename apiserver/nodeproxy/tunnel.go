package nodeproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	portforwardconsts "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/client-go/tools/portforward"
)

// tunnel serves a port-forward asked for over WebSocket with a tunnelled SPDY protocol
// ("SPDY/3.1+portforward.k8s.io"): the connector upgrades a SPDY connection with the
// agent first, then accepts the WebSocket with the protocol the agent chose, and passes
// the SPDY bytes between the WebSocket's binary messages and the agent's connection.
func (c *Connector) tunnel(w http.ResponseWriter, r *http.Request, loc *url.URL) {
	var protocols []string
	for _, p := range gwebsocket.Subprotocols(r) {
		if strings.HasPrefix(p, portforwardconsts.WebsocketsSPDYTunnelingPrefix) && strings.HasSuffix(p, portforwardconsts.KubernetesSuffix) {
			protocols = append(protocols, strings.TrimPrefix(p, portforwardconsts.WebsocketsSPDYTunnelingPrefix))
		}
	}
	if len(protocols) == 0 {
		http.Error(w, "unable to upgrade: no tunneling spdy protocols provided", http.StatusBadRequest)
		return
	}
	agent, br, resp, err := c.dialSPDY(r.Context(), loc, protocols)
	if err != nil {
		writeStatus(w, serviceUnavailable("the node agent cannot be reached: %v", err))
		return
	}
	defer agent.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		// The agent's refusal (no such pod, say) goes to the client as it came.
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, io.LimitReader(resp.Body, 64<<10))
		return
	}
	chosen := resp.Header.Get(httpstream.HeaderProtocolVersion)
	up := gwebsocket.Upgrader{
		Subprotocols: []string{portforwardconsts.WebsocketsSPDYTunnelingPrefix + chosen},
		// Authentication was by certificate or token, not by cookie: any origin.
		CheckOrigin:     func(*http.Request) bool { return true },
		ReadBufferSize:  32 << 10,
		WriteBufferSize: 32 << 10,
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		c.log.Debug("websocket upgrade for a port-forward tunnel failed", "err", err)
		return
	}
	client := portforward.NewTunnelingConnection("kite-apiserver", ws)
	defer client.Close()
	var wg sync.WaitGroup
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			client.Close()
			agent.Close()
		})
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer closeBoth()
		io.Copy(agent, client)
	}()
	go func() {
		defer wg.Done()
		defer closeBoth()
		io.Copy(client, br) // br holds what the agent sent after its 101 already
	}()
	wg.Wait()
}

// dialSPDY opens a TLS connection to the agent and asks it to upgrade to SPDY with one
// of protocols. It returns the connection, a reader over it (which may have buffered
// the first SPDY frames) and the agent's answer.
func (c *Connector) dialSPDY(ctx context.Context, loc *url.URL, protocols []string) (net.Conn, *bufio.Reader, *http.Response, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: c.tlsConfig.Clone()}
	conn, err := d.DialContext(ctx, "tcp", loc.Host)
	if err != nil {
		return nil, nil, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, loc.String(), nil)
	if err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	req.Header.Set(httpstream.HeaderConnection, httpstream.HeaderUpgrade)
	req.Header.Set(httpstream.HeaderUpgrade, spdy.HeaderSpdy31)
	for _, p := range protocols {
		req.Header.Add(httpstream.HeaderProtocolVersion, p)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, nil, nil, fmt.Errorf("sending the upgrade request: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, nil, nil, fmt.Errorf("reading the upgrade answer: %w", err)
	}
	conn.SetDeadline(time.Time{})
	return conn, br, resp, nil
}
