package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

func TestInward(t *testing.T) {
	for _, tt := range []struct {
		addr, want string
	}{
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"2606:4700::6810:84e5", ""},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "reserved"},
		{"0.1.2.3", "reserved"},
		{"::", "reserved"},
		{"100.64.0.1", "reserved"},
		{"100.128.0.1", ""},
		{"192.0.0.8", "reserved"},
		{"192.0.2.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"198.51.100.7", "reserved"},
		{"203.0.113.9", "reserved"},
		{"224.0.0.1", "link-local"}, // link-local multicast
		{"224.0.1.1", "reserved"},
		{"239.255.255.250", "reserved"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"ff02::1", "link-local"},
		{"ff05::2", "reserved"},
		{"2001:db8::1", "reserved"},
		{"2001::1", "reserved"},
		{"fec0::1", "reserved"},
		{"100::1", "reserved"},
		// IPv4 written as IPv6: judged by the IPv4 address they carry.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:93.184.215.14", ""},
		{"64:ff9b::a9fe:a9fe", "link-local"}, // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", ""},             // NAT64 of 8.8.8.8
		{"2002:0a00:0001::1", "private"},     // 6to4 of 10.0.0.1
		{"2002:5db8:d70e::1", ""},            // 6to4 of 93.184.215.14
	} {
		if got := Inward(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Inward(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// The decision: which host may connect where, for a collector made for own.
func TestPolicy(t *testing.T) {
	for _, tt := range []struct {
		own      string // the host of the URL the collector was made for
		allowAll bool
		host     string // the host being connected to
		addr     string // one of its addresses
		allowed  bool
	}{
		{"vtv.vn", false, "vtv.vn", "93.184.215.14", true},
		{"vtv.vn", false, "vtv.vn", "10.0.0.1", false},                 // a name that resolves inward
		{"vtv.vn", false, "169.254.169.254", "169.254.169.254", false}, // a redirect to a literal
		{"vtv.vn", false, "cdn.vtv.vn", "127.0.0.1", false},
		{"vtv.vn", true, "vtv.vn", "10.0.0.1", true}, // allow_private
		{"vtv.vn", true, "metadata.test", "169.254.169.254", true},
		{"127.0.0.1", false, "127.0.0.1", "127.0.0.1", true},  // the operator's own address
		{"127.0.0.1", false, "10.0.0.1", "10.0.0.1", false},   // but not another inward one
		{"127.0.0.1", false, "evil.test", "127.0.0.1", false}, // nor a name that resolves there
		{"10.1.2.3", false, "10.1.2.3", "10.1.2.3", true},     // an intranet page by address
		{"::1", false, "::1", "::1", true},
		{"localhost", false, "localhost", "127.0.0.1", true},
		{"localhost", false, "LOCALHOST", "::1", true},
		{"app.localhost", false, "app.localhost", "127.0.0.1", true},
		{"intranet.corp", false, "intranet.corp", "10.0.0.7", false}, // a name: only with allow_private
		{"93.184.215.14", false, "93.184.215.14", "93.184.215.14", true},
		{"93.184.215.14", false, "10.0.0.1", "10.0.0.1", false},
	} {
		err := newPolicy(tt.own, tt.allowAll).allow(tt.host, netip.MustParseAddr(tt.addr))
		if (err == nil) != tt.allowed {
			t.Errorf("collector for %s (allow all %v), %s at %s: err %v, want allowed %v", tt.own, tt.allowAll, tt.host, tt.addr, err, tt.allowed)
		}
		if err != nil && !errors.Is(err, ErrInward) {
			t.Errorf("%v is not ErrInward", err)
		}
	}
}
