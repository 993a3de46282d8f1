package satoken

import "strings"

// claims are a token's payload. Fields are in the order upstream's encoder writes them
// (alphabetical), so a token reads the same as one kube-apiserver made.
type claims struct {
	Audience   []string     `json:"aud"`
	Expiry     int64        `json:"exp"`
	IssuedAt   int64        `json:"iat"`
	Issuer     string       `json:"iss"`
	ID         string       `json:"jti,omitempty"`
	Kubernetes *privateInfo `json:"kubernetes.io,omitempty"`
	NotBefore  int64        `json:"nbf"`
	Subject    string       `json:"sub"`
}

// privateInfo is upstream's "kubernetes.io" claim.
type privateInfo struct {
	Namespace      string `json:"namespace,omitempty"`
	Node           *ref   `json:"node,omitempty"`
	Pod            *ref   `json:"pod,omitempty"`
	Secret         *ref   `json:"secret,omitempty"`
	ServiceAccount ref    `json:"serviceaccount"`
	WarnAfter      int64  `json:"warnafter,omitempty"`
}

// ref names an object the token belongs or is bound to.
type ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// Names and prefixes upstream gives service-account users and their extra keys.
const (
	userPrefix   = "system:serviceaccount:"
	AllGroup     = "system:serviceaccounts"
	groupPrefix  = "system:serviceaccounts:"
	ExtraPodName = "authentication.kubernetes.io/pod-name"
	ExtraPodUID  = "authentication.kubernetes.io/pod-uid"
	ExtraNode    = "authentication.kubernetes.io/node-name"
	ExtraNodeUID = "authentication.kubernetes.io/node-uid"
	ExtraCredID  = "authentication.kubernetes.io/credential-id"
)

// UserName is the user name of service account name in namespace ns.
func UserName(ns, name string) string { return userPrefix + ns + ":" + name }

// SplitUserName returns the namespace and name of a service-account user name, and
// false when user is not one.
func SplitUserName(user string) (ns, name string, ok bool) {
	rest, found := strings.CutPrefix(user, userPrefix)
	if !found {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return ns, name, true
}

// Groups are the groups a service account in ns belongs to, without
// system:authenticated (package auth adds that to every user).
func Groups(ns string) []string { return []string{AllGroup, groupPrefix + ns} }
