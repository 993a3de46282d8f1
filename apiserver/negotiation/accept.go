package negotiation

import (
	"mime"
	"sort"
	"strconv"
	"strings"
)

// clause is one media range of an Accept header: "application/json;as=Table;q=0.9".
type clause struct {
	typ, subtype string
	params       map[string]string
	q            float64
}

// parseAccept splits an Accept header into its clauses, best first: by quality, then
// the more specific range (no wildcard) first, then in the order the client wrote them.
// Clauses that do not parse, and those with q=0 (which RFC 9110 defines as "not
// acceptable"), are dropped.
func parseAccept(header string) []clause {
	var out []clause
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mediaType, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		typ, subtype, ok := strings.Cut(mediaType, "/")
		if !ok || typ == "" || subtype == "" {
			continue
		}
		c := clause{typ: typ, subtype: subtype, params: params, q: 1}
		if qs, ok := params["q"]; ok {
			delete(params, "q")
			q, err := strconv.ParseFloat(qs, 64)
			if err != nil || q < 0 || q > 1 {
				continue
			}
			c.q = q
		}
		if c.q == 0 {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.q != b.q {
			return a.q > b.q
		}
		return specificity(a) > specificity(b)
	})
	return out
}

func specificity(c clause) int {
	switch {
	case c.typ == "*":
		return 0
	case c.subtype == "*":
		return 1
	}
	return 2
}

// matches says whether the clause's media range covers type/subtype.
func (c clause) matches(typ, subtype string) bool {
	switch {
	case c.typ == "*" && c.subtype == "*":
		return true
	case c.typ != typ:
		return false
	}
	return c.subtype == "*" || c.subtype == subtype
}
