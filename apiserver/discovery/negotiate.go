package discovery

import (
	"net/http"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/negotiation"
)

// The conversion parameters (g, as) that ask for the aggregated document.
const (
	aggregatedGroup = "apidiscovery.k8s.io"
	aggregatedKind  = "APIGroupDiscoveryList"
)

// choice is the answer's form, as negotiated from the request's Accept header.
type choice struct {
	info   runtime.SerializerInfo
	pretty bool
	// aggregated is "" for the legacy documents, else the apidiscovery version ("v2").
	aggregated string
}

// negotiate picks the answer's form as upstream does. Where the aggregated document is
// served (aggregatedToo), the first acceptable clause asking for it wins over every
// plain clause, wherever it stands in the header; otherwise the first acceptable plain
// clause wins. No other conversion (a Table, say) is served. The error is a 406 Status
// error.
func negotiate(accept string, infos []runtime.SerializerInfo, aggregatedToo bool) (choice, error) {
	if aggregatedToo {
		if out, err := negotiation.Negotiate(accept, infos, aggregatedOnly); err == nil {
			return choice{info: out.Info, pretty: out.Pretty, aggregated: out.Convert.Version}, nil
		}
	}
	out, err := negotiation.Negotiate(accept, infos, negotiation.NoConversion)
	if err != nil {
		return choice{}, err
	}
	return choice{info: out.Info, pretty: out.Pretty}, nil
}

// aggregatedOnly accepts the aggregated discovery conversion in any encoding, and
// nothing else, in v2 only, as kube-apiserver 1.37 (older clients asking for v2beta1
// fall back to the legacy documents).
func aggregatedOnly(_ runtime.SerializerInfo, convert *schema.GroupVersionKind) bool {
	return convert != nil && convert.Group == aggregatedGroup && convert.Kind == aggregatedKind &&
		convert.Version == "v2"
}

// prettyRequested tells whether the request asks for indented output the old ways
// upstream still honours: ?pretty=true, or a browser or command-line tool as the user
// agent.
func prettyRequested(r *http.Request) bool {
	if strings.Contains(r.URL.RawQuery, "pretty") {
		if p := r.URL.Query().Get("pretty"); p != "" {
			pretty, _ := strconv.ParseBool(p)
			return pretty
		}
	}
	ua := r.UserAgent()
	return strings.HasPrefix(ua, "curl") || strings.HasPrefix(ua, "Wget") || strings.HasPrefix(ua, "Mozilla/5.0")
}
