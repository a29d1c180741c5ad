package sigv4

import (
	"net/http"
	"strings"
)

// Request is the verifier's and signer's view of an HTTP request: the bytes
// as they crossed the wire, never a decoded or cleaned-up form.
type Request struct {
	Method      string
	Host        string // as sent (r.Host), including any port
	EscapedPath string // the path exactly as sent on the wire
	RawQuery    string // the query exactly as sent
	Header      http.Header
}

// FromHTTP builds a Request from a server-side *http.Request.
//
// The path comes from r.RequestURI, the bytes the client sent, because
// r.URL.EscapedPath() re-encodes whenever the raw path is not the form Go
// would have chosen (for example "%2f" in lower case or a raw "!"), and S3
// signs the raw bytes. r.URL.Path is decoded and must never be used.
//
// FromHTTP is kept small enough to inline, so a caller whose Request does
// not outlive the call gets it on its stack rather than the heap.
func FromHTTP(r *http.Request) *Request {
	req := new(Request)
	req.setFromHTTP(r)
	return req
}

func (req *Request) setFromHTTP(r *http.Request) {
	req.Method, req.Host, req.Header = r.Method, r.Host, r.Header
	if req.Host == "" && r.URL != nil {
		req.Host = r.URL.Host
	}
	if uri := r.RequestURI; uri != "" {
		path, query, hasQuery := strings.Cut(uri, "?")
		req.EscapedPath = stripAbsoluteForm(path)
		if hasQuery {
			req.RawQuery = query
		}
		return
	}
	if r.URL != nil {
		req.EscapedPath = r.URL.EscapedPath()
		req.RawQuery = r.URL.RawQuery
	}
}

// stripAbsoluteForm turns an absolute-form request target
// ("http://host/path", sent to proxies and by Go for opaque URLs) into its
// path so it signs the same as the origin form.
func stripAbsoluteForm(p string) string {
	if p == "" || p[0] == '/' {
		return p
	}
	i := strings.Index(p, "://")
	if i < 0 {
		return p // "*" or garbage: sign as sent
	}
	rest := p[i+3:]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[j:]
	}
	return "/"
}
