//go:build tools

// This file pins the upstream programs the harness builds, so that `go mod tidy` keeps
// their dependencies in go.sum. It is never compiled into anything (build tag "tools").
package conformance

import (
	_ "github.com/onsi/ginkgo/v2/ginkgo"
	_ "k8s.io/kubernetes/test/e2e"
)
