package server

import (
	"crypto/tls"
	"net/http"
	"net/netip"
	"strings"
)

// withTrustedProxies makes the client a reverse proxy forwards for the
// request's client: when the TCP peer is inside trusted, X-Forwarded-For
// names the client's address and X-Forwarded-Proto whether it used HTTPS.
// It rewrites r.RemoteAddr and r.TLS, the two fields every reader of the
// client's address or transport already consults (aws:SourceIp,
// aws:SecureTransport, s3:TlsVersion, the access log, the scheme of a
// Location), so none of them needs to know about proxies. From any other
// peer the headers are ignored: anyone can send them. With no trusted
// proxies next is returned as it is.
func withTrustedProxies(next http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := peerAddr(r.RemoteAddr)
		if !ok || !inAny(trusted, peer) {
			next.ServeHTTP(w, r)
			return
		}
		fwd := r.WithContext(r.Context()) // a copy: r stays as received
		if client, ok := forwardedFor(r.Header.Values("X-Forwarded-For"), trusted); ok {
			// The client's port is not forwarded; the bare address is all
			// that is known, and every reader accepts it.
			fwd.RemoteAddr = client.String()
		}
		switch forwardedProto(r.Header.Values("X-Forwarded-Proto")) {
		case "https":
			// The client's TLS session ended at the proxy: its version and
			// ciphers are unknown here, so the state is empty (s3:TlsVersion
			// stays absent) but present (aws:SecureTransport is true).
			fwd.TLS = &tls.ConnectionState{}
		case "http":
			fwd.TLS = nil
		}
		next.ServeHTTP(w, fwd)
	})
}

// peerAddr is the TCP peer's address from r.RemoteAddr ("ip:port").
func peerAddr(remote string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func inAny(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor picks the client from X-Forwarded-For: walking from the
// right (the entry the trusted peer appended), the first address that is
// not itself a trusted proxy. Entries to its left were written by the
// client or by proxies nobody vouches for, so they are never believed.
// When every entry is trusted the left-most one is the client. An entry
// that is not an address ends the walk at the last address believed; no
// header at all answers false (the peer itself is the client).
func forwardedFor(values []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	var client netip.Addr
	found := false
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil || a.Zone() != "" {
			break
		}
		client, found = a.Unmap(), true
		if !inAny(trusted, client) {
			break
		}
	}
	return client, found
}

// forwardedProto is the scheme the trusted peer reports, lower-cased: the
// right-most value, the one that peer wrote, when several were sent.
func forwardedProto(values []string) string {
	if len(values) == 0 {
		return ""
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(last))
}
