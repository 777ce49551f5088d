package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
)

// A watched page is someone else's: what it links or redirects to must not make the
// watcher fetch from inside the operator's network (a cloud metadata service at
// 169.254.169.254, an admin page on 10.0.0.1, a service on 127.0.0.1) and then store and
// publish the answer. So every connection is checked after DNS resolution, at the first
// request and at every redirect hop, since each new connection goes through the dial
// below; a pooled connection was checked when it was dialed, by the same host's rule.

// ErrInward means a fetch would have connected to a private, loopback, link-local or
// reserved address it is not allowed to reach.
var ErrInward = errors.New("inward address refused")

// Resolver resolves host names; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Inward says what kind of address a is when it is not a public one: "loopback",
// "private", "link-local" or "reserved" (unspecified, multicast, documentation,
// benchmarking, shared carrier-grade NAT space and the other special-purpose blocks of
// the IANA registries); "" for a public address. IPv4 addresses written in IPv6 form
// (mapped, NAT64, 6to4) are judged by the IPv4 address they carry.
func Inward(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		if v4, ok := embedded4(a); ok {
			return Inward(v4)
		}
	}
	switch {
	case !a.IsValid():
		return "reserved"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsUnspecified(), a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "reserved"
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return "reserved"
		}
	}
	return ""
}

// reserved are the special-purpose blocks that netip's predicates do not name.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo among them)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("3fff::/20"),       // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local, deprecated but still routed inside some networks
}

var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
	v4Empty = [4]byte{}
)

// embedded4 returns the IPv4 address a NAT64 or 6to4 address stands for.
func embedded4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(a):
		v4 := [4]byte(b[2:6])
		return netip.AddrFrom4(v4), v4 != v4Empty
	}
	return netip.Addr{}, false
}

// policy decides which addresses a host's connections may reach. own is the host name
// (or address literal) of the URL the collector was made for: when the operator wrote an
// inward address there, or "localhost", that host is theirs to fetch (local tests, an
// intranet page). Any other host, reached by a redirect or a link, must be public, unless
// allowAll (Options.AllowPrivate) is set.
type policy struct {
	own      string
	ownLocal bool // own is an inward address literal or a localhost name
	allowAll bool
}

func newPolicy(own string, allowAll bool) policy {
	own = strings.ToLower(own)
	local := own == "localhost" || strings.HasSuffix(own, ".localhost")
	if a, err := netip.ParseAddr(own); err == nil && Inward(a) != "" {
		local = true
	}
	return policy{own: own, ownLocal: local, allowAll: allowAll}
}

// allow says whether a connection for host may go to a; the error names both.
func (p policy) allow(host string, a netip.Addr) error {
	kind := Inward(a)
	if kind == "" || p.allowAll || (p.ownLocal && strings.EqualFold(host, p.own)) {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("%w: %s is a %s address (allowed only for a source whose own URL is at it, or with allow_private: true)",
			ErrInward, host, kind)
	}
	return fmt.Errorf("%w: %s resolves to %s, a %s address (allowed only for a source whose own URL is at it, or with allow_private: true)",
		ErrInward, host, a, kind)
}

// guard dials for a transport: it resolves the host itself, checks every address against
// the policy before any packet is sent, and dials the allowed ones in turn.
type guard struct {
	policy   policy
	resolver Resolver
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	proxies  *sync.Map // host:port of the proxies in use: the operator's, dialed as they are
}

func (g guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if _, ok := g.proxies.Load(addr); ok {
		return g.dial(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = g.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	var errs []error
	for _, a := range addrs {
		if err := g.policy.allow(host, a); err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := g.dial(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("%s: no address", host)
	}
	return nil, errors.Join(errs...)
}

// proxy wraps the transport's proxy choice. The proxy is the operator's own and is dialed
// without the check (so it is noted for DialContext); the proxy resolves the names it is
// asked for, so through it only addresses written in the URL can be checked, and are.
func (g guard) proxy(choose func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		p, err := choose(req)
		if err != nil || p == nil {
			return p, err
		}
		if a, err := netip.ParseAddr(strings.Trim(req.URL.Hostname(), "[]")); err == nil {
			if err := g.policy.allow(req.URL.Hostname(), a); err != nil {
				return nil, err
			}
		}
		port := p.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[p.Scheme]
		}
		g.proxies.Store(net.JoinHostPort(p.Hostname(), port), true)
		return p, nil
	}
}
