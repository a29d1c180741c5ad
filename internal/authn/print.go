package authn

import (
	"net/http"
	"net/url"
	"strings"

	"signet/internal/sigprint"
)

// PrintOf returns the fingerprint of a presigned request's signature as
// Authenticate reads it (so a URL re-ordered or re-encoded by a client
// has the same one), and false when r is not presigned.
func PrintOf(r *http.Request) (sigprint.Print, bool) {
	v4, v2 := scanQuery(r.URL.RawQuery)
	q := r.URL.Query()
	switch {
	case v4 && q.Get("X-Amz-Signature") != "":
		return sigprint.Of(sigprint.V4, q.Get("X-Amz-Signature")), true
	case v2 && q.Get("Signature") != "":
		// As sigv2.ParseQuery: a '+' left unencoded decodes as a space.
		return sigprint.Of(sigprint.V2, strings.ReplaceAll(q.Get("Signature"), " ", "+")), true
	}
	return sigprint.Print{}, false
}

// PrintOfURL is PrintOf for a URL as text.
func PrintOfURL(raw string) (sigprint.Print, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return sigprint.Print{}, false
	}
	return PrintOf(&http.Request{URL: u})
}

// PrintOfForm returns the fingerprint of a browser form's signature as
// AuthenticatePost reads it, and false for a form that is not signed.
func PrintOfForm(f PostFields) (sigprint.Print, bool) {
	if sig, ok := f("x-amz-signature"); ok && sig != "" {
		return sigprint.Of(sigprint.V4, sig), true
	}
	if sig, ok := f("signature"); ok && sig != "" {
		return sigprint.Of(sigprint.V2, sig), true
	}
	return sigprint.Print{}, false
}
