package explain

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strings"

	"signet/internal/adminwire"
	"signet/internal/inspect"
	"signet/internal/reason"
	"signet/internal/redact"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// The signature search. The server rebuilds the canonical request from the
// request as sent; when the signature does not match, the explainer
// rebuilds it again for plausible variants of that request, one change at
// a time, and signs each with the key's real secret. The variant whose
// signature matches is what the URL was signed for, and the difference is
// the cause. The secret never leaves this file, and session tokens are
// masked in what is shown.

// methods are the methods a presigned URL is made for.
var methods = []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodPost}

// contentTypes are the Content-Type values most often signed into a
// presigned PUT, tried when the one sent does not match.
var contentTypes = []string{
	"application/octet-stream", "binary/octet-stream", "text/plain", "text/plain; charset=utf-8",
	"text/html", "text/csv", "application/json", "application/xml", "application/pdf", "application/zip",
	"application/gzip", "application/x-www-form-urlencoded", "multipart/form-data", "image/png",
	"image/jpeg", "image/gif", "image/webp", "image/svg+xml", "video/mp4", "audio/mpeg",
}

// variant is the request as it may have been signed, and what it would
// mean if the signature matches it.
type variant struct {
	method, host, path string
	header             http.Header
	hint               string
}

// signature explains SignatureDoesNotMatch.
func (j *judgement) signature(ctx context.Context) error {
	c, err := j.x.cfg.Keys.Lookup(ctx, j.auth.keyID)
	if err != nil {
		return fmt.Errorf("explain: looking up the secret of %s: %w", j.auth.keyID, err)
	}
	var check *adminwire.SignatureCheck
	if j.auth.version == versionV2 {
		check, err = checkV2(j.r, j.auth, c.Secret, j.dry.VirtualBucket)
	} else {
		check, err = checkV4(j.r, j.url, j.auth, c.Secret)
	}
	if err != nil {
		return err
	}
	j.out.Signature = check
	f := j.facts()
	f.Hint = check.Hint
	j.say(reason.SignatureDiffers, f)
	return nil
}

func checkV4(r *http.Request, u *url.URL, a urlAuth, sk secret.Secret) (*adminwire.SignatureCheck, error) {
	sent := sigv4.FromHTTP(r)
	var auth *sigv4.Auth
	var err error
	if a.presigned {
		auth, err = sigv4.ParseQuery(sent)
	} else {
		auth, err = sigv4.ParseHeader(sent)
	}
	if err != nil {
		return nil, fmt.Errorf("explain: a request refused for its signature does not parse: %w", err)
	}
	// The payload hash and the query's treatment follow sigv4.Verify.
	payload := auth.PayloadHash
	if payload == "" {
		payload = sigv4.EmptySHA256
	}
	key := sigv4.SigningKey(sk, auth.Scope)
	canonical := func(v *sigv4.Request) (creq, sts string) {
		creq = sigv4.CanonicalRequest(v, auth.SignedHeaders, payload, sigv4.S3, auth.Kind == sigv4.QueryAuth)
		return creq, sigv4.StringToSign(auth.AmzDate, auth.Scope, creq)
	}
	creq, sts := canonical(sent)
	check := &adminwire.SignatureCheck{Version: versionV4, CanonicalRequest: maskToken(creq, a.token), StringToSign: sts}
	base := variant{method: sent.Method, host: sent.Host, path: sent.EscapedPath, header: sent.Header}
	for _, v := range variants(base, u, auth.SignedHeaders, r.URL.Query(), true) {
		view := *sent
		view.Method, view.Host, view.EscapedPath, view.Header = v.method, v.host, v.path, v.header
		vcreq, vsts := canonical(&view)
		if equal(sigv4.SignatureHex(key, vsts), auth.Signature) {
			check.SignedCanonicalRequest = maskToken(vcreq, a.token)
			check.SignedStringToSign = vsts
			check.DiffLine = inspect.FirstDifference(creq, vcreq).Line
			check.Hint = v.hint
			return check, nil
		}
	}
	check.Hint = noVariant(auth.AccessKeyID)
	return check, nil
}

// checkV2 searches SigV2's string to sign, which covers the method, the
// Content-MD5 and Content-Type values, the x-amz-* headers and the path,
// but not the Host.
func checkV2(r *http.Request, a urlAuth, sk secret.Secret, virtualBucket string) (*adminwire.SignatureCheck, error) {
	var auth *sigv2.Auth
	var err error
	if a.presigned {
		auth, err = sigv2.ParseQuery(r)
	} else {
		auth, err = sigv2.ParseHeader(r)
	}
	if err != nil {
		return nil, fmt.Errorf("explain: a request refused for its signature does not parse: %w", err)
	}
	sts := sigv2.StringToSign(r, auth, virtualBucket)
	check := &adminwire.SignatureCheck{Version: versionV2, StringToSign: maskToken(sts, a.token)}
	base := variant{method: r.Method, host: r.Host, path: r.URL.EscapedPath(), header: r.Header}
	for _, v := range variants(base, nil, []string{"content-type", "content-md5"}, r.URL.Query(), false) {
		view := r.Clone(r.Context())
		view.Method, view.Header = v.method, v.header
		vsts := sigv2.StringToSign(view, auth, virtualBucket)
		if equal(sigv2.Sign(sk, vsts), auth.Signature) {
			check.SignedStringToSign = maskToken(vsts, a.token)
			check.DiffLine = inspect.FirstDifference(sts, vsts).Line
			check.Hint = v.hint
			return check, nil
		}
	}
	check.Hint = noVariant(auth.AccessKeyID)
	return check, nil
}

// variants lists the plausible ways the request may have been signed,
// each one change away from base: another method; for SigV4 (hostAndPath)
// the Host as in the URL or with or without its default port, and the
// path encoded another way; each signed header missing or set as in the
// URL's query (and, for Content-Type, to a common value).
func variants(base variant, u *url.URL, signed []string, query url.Values, hostAndPath bool) []variant {
	var out []variant
	for _, m := range methods {
		if m != base.method {
			v := base
			v.method, v.hint = m, fmt.Sprintf("it was signed for %s but sent as %s", m, base.method)
			out = append(out, v)
		}
	}
	if hostAndPath {
		for _, h := range hostCandidates(u, base.host) {
			v := base
			v.host, v.hint = h, hostHint(h, base.host)
			out = append(out, v)
		}
		for _, p := range pathCandidates(base.path) {
			v := base
			v.path, v.hint = p, fmt.Sprintf("the path was encoded differently (signed as '%s', sent as '%s')", p, base.path)
			out = append(out, v)
		}
	}
	for _, name := range signed {
		if strings.EqualFold(name, "host") {
			continue
		}
		sent := strings.Join(base.header.Values(name), ",")
		for _, c := range headerCandidates(name, sent, query) {
			h := base.header.Clone()
			h.Del(name)
			if c.present {
				h.Set(name, c.value)
			}
			v := base
			v.header, v.hint = h, headerHint(name, sent, c)
			out = append(out, v)
		}
	}
	return out
}

// hostCandidates are the Hosts a URL sent to sent may have been signed
// for: the URL's own, and each with and without the scheme's default port.
func hostCandidates(u *url.URL, sent string) []string {
	port := "80"
	if u != nil && strings.EqualFold(u.Scheme, "https") {
		port = "443"
	}
	var out []string
	add := func(h string) {
		if h != "" && h != sent && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	from := []string{sent}
	if u != nil {
		from = []string{u.Host, sent}
	}
	for _, h := range from {
		add(h)
		if name, p, err := net.SplitHostPort(h); err == nil {
			if p == port {
				add(bracket(name))
			}
		} else {
			add(net.JoinHostPort(strings.Trim(h, "[]"), port))
		}
	}
	return out
}

// bracket puts an IPv6 address back in the brackets a Host needs.
func bracket(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

func hostHint(signed, sent string) string {
	if hostname(signed) == hostname(sent) {
		return fmt.Sprintf("the Host was signed as %s but sent as %s: one side added or dropped the default port", signed, sent)
	}
	return fmt.Sprintf("the Host header was rewritten (signed for %s, sent to %s), e.g. by a proxy; sign for the host the request reaches, or have the proxy keep the Host", signed, sent)
}

func hostname(h string) string {
	if name, _, err := net.SplitHostPort(h); err == nil {
		return strings.ToLower(name)
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

// pathCandidates are other encodings of the path as sent: encoded once as
// S3 clients do, not encoded, and encoded twice (as for services other
// than S3).
func pathCandidates(p string) []string {
	var out []string
	add := func(c string) {
		if c != "" && c != p && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if dec, err := url.PathUnescape(p); err == nil {
		add(sigv4.URIEncode(dec, false))
		add(dec)
	}
	add(sigv4.URIEncode(p, false))
	return out
}

// headerValue is a signed header's value in a variant; present is false
// when the header is absent.
type headerValue struct {
	value   string
	present bool
}

// headerCandidates are the values a signed header may have been signed
// with, other than sent: none at all, those the URL's query gives it, and
// for Content-Type the common types.
func headerCandidates(name, sent string, query url.Values) []headerValue {
	var out []headerValue
	add := func(c headerValue) {
		if c.present && c.value == sent || slices.Contains(out, c) {
			return
		}
		out = append(out, c)
	}
	if sent != "" {
		add(headerValue{})
	}
	keys := make([]string, 0, len(query))
	for k := range query {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range query[k] {
			add(headerValue{v, true})
		}
	}
	if strings.EqualFold(name, "content-type") {
		for _, t := range contentTypes {
			add(headerValue{t, true})
		}
	}
	return out
}

func headerHint(name, sent string, signed headerValue) string {
	shown := textproto.CanonicalMIMEHeaderKey(name)
	switch {
	case !signed.present:
		return fmt.Sprintf("%s was sent as '%s' but signed without one", shown, sent)
	case sent == "":
		return fmt.Sprintf("%s was not sent but signed as '%s'; send the request with that header", shown, signed.value)
	}
	return fmt.Sprintf("%s was sent as '%s' but signed as '%s'", shown, sent, signed.value)
}

func noVariant(keyID string) string {
	return "no plausible variant of it (another method, the Host as in the URL or with or without its default port, the path encoded another way, a signed header missing or with another value) gives the signature, so the URL was signed with another secret than " +
		keyID + "'s or altered after signing (its X-Amz-Signature, X-Amz-Date or another parameter)"
}

// equal compares signatures in constant time.
func equal(computed, given string) bool {
	return subtle.ConstantTimeCompare([]byte(computed), []byte(given)) == 1
}

// maskToken masks a session token in every form a canonical request or string
// to sign may carry it, with `signet inspect`'s mask, so the two agree.
func maskToken(s, token string) string {
	if token == "" {
		return s
	}
	mask := redact.Token(token)
	for _, form := range []string{sigv4.URIEncode(token, true), url.QueryEscape(token), token} {
		s = strings.ReplaceAll(s, form, mask)
	}
	return s
}
