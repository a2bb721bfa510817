// Command node-cache is NodeLocal DNSCache for the ingressdoc test cluster: the same
// CoreDNS release as the cluster DNS, with the plugins upstream's node-local-dns Corefile
// uses (bind, cache, forward, ...) and without the kubernetes plugin. It runs on every
// node with host networking, answers on the node-local address and forwards to CoreDNS.
// The cluster DNS build has no forward plugin, so only this binary can forward, and only
// where its Corefile says (the cluster's own DNS Service).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/reload"
)

// directives lists the compiled-in plugins in CoreDNS's canonical execution order
// (a subsequence of plugin.cfg).
var directives = []string{
	"reload",
	"bind",
	"health",
	"prometheus",
	"errors",
	"log",
	"cache",
	"loop",
	"forward",
}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
