package inspect

import (
	"net/http"
	"time"

	"signet/internal/adminwire"
)

// Source says who judged a report's verdict.
const (
	SourceOffline = "offline" // this machine, from the URL alone
	SourceServer  = "server"  // the server's explanation
)

// Report is everything `signet inspect` says about one URL: its parts, the
// offline verdict on its window and, when a server was asked, the server's
// explanation (or why it is missing).
type Report struct {
	// URL is nil only when the input is not an http(s) URL at all.
	URL *URL
	// ParseErr is set when the URL cannot be judged (malformed).
	ParseErr error
	// Now is this machine's clock, which the offline verdict uses.
	Now time.Time
	// Method and Header are the request said to be sent with the URL; the
	// canonical request is rebuilt with them.
	Method  string
	Header  http.Header
	Offline Judgement
	Rebuilt Canonical

	// Server is the server's explanation; nil offline or when asking failed.
	Server *adminwire.Explanation
	// ServerEndpoint is the endpoint that was (or would have been) asked.
	ServerEndpoint string
	// ServerError says why the explanation is missing when one was asked
	// for; it names no secret.
	ServerError string
}

// New parses raw and judges it offline at now, for a request sent with
// method (GET when empty) and header.
func New(raw string, now time.Time, method string, header http.Header) *Report {
	if method == "" {
		method = http.MethodGet
	}
	r := &Report{Now: now, Method: method, Header: header}
	r.URL, r.ParseErr = Parse(raw)
	if r.ParseErr != nil {
		r.Offline = Malformed(r.ParseErr)
		return r
	}
	r.Offline = Judge(r.URL, now)
	r.Rebuilt = r.URL.Rebuild(method, header)
	return r
}

// Judgeable reports whether the URL could be judged offline; a server is
// worth asking only then.
func (r *Report) Judgeable() bool { return r.ParseErr == nil }

// Source is SourceServer when the server's explanation decides the
// verdict, else SourceOffline.
func (r *Report) Source() string {
	if r.Server != nil {
		return SourceServer
	}
	return SourceOffline
}

// Verdict is the verdict that counts: the server's when it answered.
func (r *Report) Verdict() string {
	if r.Server != nil {
		return r.Server.Verdict
	}
	return r.Offline.Verdict
}

// Reason is the reason code that counts: the server's when it answered.
func (r *Report) Reason() string {
	if r.Server != nil {
		return r.Server.Reason
	}
	return r.Offline.Reason
}
