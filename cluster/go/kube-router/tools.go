//go:build tools

// Package tools pins the kube-router release whose network policy controller enforces
// NetworkPolicy on the test cluster; cluster/build.sh builds its command from the module.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
