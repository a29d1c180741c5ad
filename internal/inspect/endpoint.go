package inspect

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// NotForEndpoint says why the server at endpoint cannot judge u, sent with
// header, or "" when it should be asked.
//
// A URL for AWS S3 (its host, or the Host header the request is said to
// carry, under amazonaws.com) was signed with an AWS key: a server
// elsewhere, such as a local signet that AWS_ENDPOINT_URL names, never
// issued it and would only answer key_unknown. Any other pair of hosts is
// asked even when they differ, because a proxy, a DNS alias or a
// virtual-host domain of the server's own (its --domains, unknown here)
// legitimately puts another name in the URL than the endpoint has.
func NotForEndpoint(u *URL, header http.Header, endpoint *url.URL) string {
	if u == nil || endpoint == nil {
		return ""
	}
	target := u.Endpoint // scheme and host, without a virtual-hosted bucket
	if h := header.Get("Host"); h != "" {
		target = h
	}
	if !isAWSHost(hostOf(target)) || isAWSHost(endpoint.Hostname()) {
		return ""
	}
	return notForEndpointSentence(strings.TrimPrefix(strings.TrimPrefix(target, "https://"), "http://"), endpoint.Redacted())
}

// notForEndpointSentence is the one line the report prints after
// "server  not asked: ".
func notForEndpointSentence(urlHost, endpoint string) string {
	return "the URL is for " + urlHost + " (AWS S3), the endpoint is " + endpoint +
		", which cannot have issued its key"
}

// hostOf is the host name of "scheme://host[:port]" or "host[:port]".
func hostOf(s string) string {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}

// isAWSHost reports a host name in AWS's commercial or China partition.
func isAWSHost(hostname string) bool {
	h := strings.ToLower(strings.TrimSuffix(hostname, "."))
	for _, domain := range []string{"amazonaws.com", "amazonaws.com.cn"} {
		if h == domain || strings.HasSuffix(h, "."+domain) {
			return true
		}
	}
	return false
}
