package inspect

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
	"signet/internal/lifetime"
)

// labelWidth aligns the values of the text report.
const labelWidth = 16

type textWriter struct{ w *bufio.Writer }

func (t textWriter) line(label, value string) {
	fmt.Fprintf(t.w, "%-*s%s\n", labelWidth, label, value)
}

func (t textWriter) blank() { t.w.WriteByte('\n') }

// WriteText writes the report for people: one line per part of the URL,
// each with what it means, then the offline window, the server's
// explanation when there is one, and the verdict.
func (r *Report) WriteText(w io.Writer) error {
	t := textWriter{bufio.NewWriter(w)}
	if r.URL != nil {
		r.writeParts(t)
	}
	if r.ParseErr != nil {
		if e, ok := r.ParseErr.(*Error); ok {
			for _, p := range e.Problems {
				t.line("problem", p)
			}
		} else {
			t.line("problem", r.ParseErr.Error())
		}
		t.blank()
		t.line("verdict", "cannot be judged (malformed): fix the problems above and inspect the URL again")
		return t.w.Flush()
	}
	u := r.URL
	for _, n := range u.Notes {
		t.line("note", n)
	}
	if r.Server == nil {
		switch {
		case r.ServerError != "" && r.ServerEndpoint == "":
			t.line("server", "not asked: "+r.ServerError)
		case r.ServerError != "":
			t.line("server", fmt.Sprintf("no answer from %s: %s", r.ServerEndpoint, r.ServerError))
		case u.KeyKind == Temporary && r.Offline.Verdict == adminwire.VerdictValid:
			t.line("server", "not asked: with temporary credentials the window is an upper bound, because the URL dies when its session ends and the URL does not say when; pass --endpoint-url with admin credentials to ask the server")
		}
		t.blank()
		t.line("judged", fmt.Sprintf("offline, at %s by this machine's clock", stamp(r.Now)))
		t.line("verdict", verdictLine(r.Offline.Verdict, r.Offline.Reason, r.Offline.Message))
		return t.w.Flush()
	}
	t.line("window", fmt.Sprintf("%s; judged here, by this machine's clock at %s", r.Offline.Window, stamp(r.Now)))
	t.blank()
	r.writeServer(t)
	t.blank()
	// The server's own sentence, from the same table the offline verdict
	// reads from.
	e := r.redactedServer()
	t.line("verdict", verdictLine(e.Verdict, e.Reason, e.Message))
	return t.w.Flush()
}

// verdictLine puts the verdict, the reason code when it says more, and the
// explaining sentence on one line.
func verdictLine(verdict, reason, sentence string) string {
	if sentence == "" {
		sentence = "(no explanation given)"
	}
	if reason == verdict {
		return verdict + ": " + sentence
	}
	return verdict + ", " + reason + ": " + sentence
}

func (r *Report) writeParts(t textWriter) {
	u := r.URL
	t.line("endpoint", u.Endpoint)
	switch {
	case u.Bucket == "":
		t.line("bucket", "(none): the URL names no bucket")
	default:
		t.line("bucket", u.Bucket)
	}
	key := u.Key
	switch {
	case key == "":
		key = "(none): the URL names no object"
	case u.EscapedKey != u.Key:
		key = fmt.Sprintf("%s (written %s in the URL)", key, u.EscapedKey)
	}
	t.line("key", key)
	if u.Style == VirtualHosted {
		t.line("style", fmt.Sprintf("virtual-hosted: the bucket is named by the host %s", u.Host))
	} else {
		t.line("style", "path: the bucket is the first segment of the path")
	}
	switch u.Version {
	case SigV4:
		alg := u.Algorithm + " (SigV4)"
		if u.Algorithm == "" {
			alg = "missing (SigV4 parameters otherwise)"
		}
		t.line("algorithm", alg)
	case SigV2:
		t.line("algorithm", "HMAC-SHA1 (SigV2, the legacy AWSAccessKeyId/Expires/Signature form)")
	default:
		return
	}
	if u.AccessKeyID != "" {
		kind := u.KeyKind
		if kind == Temporary && !strings.HasPrefix(u.AccessKeyID, "ASIA") {
			kind = tokenTemporary
		}
		t.line("access key ID", u.AccessKeyID+": "+kindPhrase(kind))
	}
	if u.Version == SigV4 {
		if u.Scope.Date != "" {
			s := fmt.Sprintf("%s/%s/%s: signed on %s-%s-%s for region %s, service %s", u.Scope.Date, u.Scope.Region, u.Scope.Service,
				u.Scope.Date[:4], u.Scope.Date[4:6], u.Scope.Date[6:], u.Scope.Region, u.Scope.Service)
			if u.Scope.Service != "s3" {
				s += " (an S3 URL is signed for service s3)"
			}
			t.line("scope", s)
		}
		if !u.SignedAt.IsZero() {
			t.line("signed at", fmt.Sprintf("%s (X-Amz-Date %s)", stamp(u.SignedAt), u.AmzDate))
		}
		if !u.ExpiresAt.IsZero() {
			s := fmt.Sprintf("%ds (%s): the window ends %s", u.ExpiresIn, duration.Human(time.Duration(min(u.ExpiresIn, 1<<62/int64(time.Second)))*time.Second), stamp(u.ExpiresAt))
			if u.ExpiresIn > int64(lifetime.MaxExpires/time.Second) {
				s = fmt.Sprintf("%ds: over the 7-day cap of 604800s, so S3 refuses the URL whatever the time", u.ExpiresIn)
			}
			t.line("expires in", s)
		}
		if u.SignedHeaders != nil {
			t.line("signed headers", signedHeadersPhrase(u.SignedHeaders))
		}
	} else {
		t.line("signed at", "not in the URL: SigV2 carries only its expiry")
		if !u.ExpiresAt.IsZero() {
			t.line("expires at", fmt.Sprintf("%s (Expires=%d, an absolute time; SigV2 URLs are not capped at 7 days)", stamp(u.ExpiresAt), u.ExpiresAt.Unix()))
		}
		t.line("signed headers", "Content-MD5 and Content-Type: SigV2 always signs both, so a request must send exactly those signed (none, unless the signer set them); the Host is not signed")
	}
	switch {
	case u.HasSecurityToken():
		t.line("security token", "present (not shown): temporary credentials, so the URL dies with the session that signed it, and the URL does not say when that is")
	case u.KeyKind == LongTerm:
		t.line("security token", "absent: long-term credentials; only the window, or the key being deactivated or deleted, ends the URL")
	default:
		t.line("security token", "absent")
	}
	if len(u.ResponseOverrides) == 0 {
		t.line("response-*", "none: the object's own headers are sent back")
	}
	for i, p := range u.ResponseOverrides {
		label := ""
		if i == 0 {
			label = "response-*"
		}
		t.line(label, fmt.Sprintf("%s=%s: the response's %s header", p.Name, p.Value, headerName(strings.TrimPrefix(p.Name, "response-"))))
	}
	if len(u.OtherParams) > 0 {
		var ps []string
		for _, p := range u.OtherParams {
			ps = append(ps, p.Name+"="+p.Value)
		}
		t.line("parameters", strings.Join(ps, ", ")+": signed with the rest of the URL, so they must stay as they are")
	}
	if u.Signature != "" {
		t.line("signature", abbreviate(u.Signature))
		t.line("fingerprint", u.Fingerprint()+": the link's name in the access log (sig_fingerprint) and for signet admin url uses and url revoke")
	}
}

// tokenTemporary is a temporary key that is not ASIA-shaped, for wording only.
const tokenTemporary KeyKind = "temporary-by-token"

func kindPhrase(k KeyKind) string {
	switch k {
	case LongTerm:
		return "long-term (AKIA), an IAM user's or the root's key; it does not expire, but deactivating or deleting it ends every URL it signed"
	case Temporary:
		return "temporary (ASIA), STS credentials with a session token; every URL they sign dies when the session ends"
	case tokenTemporary:
		return "temporary: it comes with a session token, so it belongs to a session, and every URL it signs dies when the session ends"
	}
	return "neither AKIA nor ASIA, so not an AWS-style key ID (another server's root or service key?); its kind cannot be told offline"
}

func signedHeadersPhrase(h []string) string {
	list := strings.Join(h, ";")
	var others []string
	host := false
	for _, n := range h {
		if strings.EqualFold(n, "host") {
			host = true
		} else {
			others = append(others, n)
		}
	}
	switch {
	case !host:
		return list + ": host is not signed, which S3 refuses"
	case len(others) == 0:
		return list + ": only the Host is signed, so any Content-Type (or other header) may be sent"
	}
	values := "the value is"
	if len(others) > 1 {
		values = "the values are"
	}
	return fmt.Sprintf("%s: the request must send %s with exactly the value signed (%s not in the URL: ask the signer); any other header may be sent",
		list, strings.Join(others, " and "), values)
}

// headerName spells a response-* override's header: content-type becomes
// Content-Type.
func headerName(s string) string {
	parts := strings.Split(s, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// abbreviate shortens a signature for people: its ends identify it.
func abbreviate(sig string) string {
	if len(sig) <= 20 {
		return sig
	}
	return fmt.Sprintf("%s…%s (%d characters)", sig[:8], sig[len(sig)-8:], len(sig))
}

func (r *Report) writeServer(t textWriter) {
	e := r.redactedServer()
	t.line("server", fmt.Sprintf("%s, judged at %s by its lifetime clock", r.ServerEndpoint, stamp(e.Now)))
	if e.Principal != nil {
		t.line("signed by", PrincipalPhrase(e.Principal))
		if sp := SessionPoliciesPhrase(e.Principal); sp != "" {
			t.line("session policy", sp)
		}
	}
	if e.Credential != nil {
		t.line("credential", CredentialPhrase(e.Credential, e.Now))
	}
	if e.EffectiveExpiresAt != nil {
		s := fmt.Sprintf("%s (%s), ", stamp(*e.EffectiveExpiresAt), relative(*e.EffectiveExpiresAt, e.Now))
		switch e.LimitedBy {
		case "credentials":
			s += "limited by the credentials"
			if e.ExpiresAt != nil {
				s += fmt.Sprintf(": they end %s before the URL's own window (%s)", duration.Human(e.ExpiresAt.Sub(*e.EffectiveExpiresAt)), stamp(*e.ExpiresAt))
			}
		case "url":
			s += "limited by the URL's own window"
		default:
			s += "limited by " + e.LimitedBy
		}
		t.line("effective end", s)
	} else if e.ExpiresAt != nil {
		t.line("effective end", fmt.Sprintf("unknown: the URL's own window ends %s (%s), and the server did not say when the signing credential ends", stamp(*e.ExpiresAt), relative(*e.ExpiresAt, e.Now)))
	}
	if e.Action != "" {
		t.line("request", strings.TrimSpace(e.Action+" on "+e.Resource))
	}
	if e.Statement != nil {
		t.line("statement", fmt.Sprintf("%s (effect %s)", StatementPhrase(e.Statement), e.Statement.Effect))
	}
	if rv := e.Revocation; rv != nil {
		s := fmt.Sprintf("at %s by %s", stamp(rv.RevokedAt), rv.RevokedBy)
		if rv.SignedBy != "" && rv.Before != nil {
			s = fmt.Sprintf("every URL %s signed before %s, %s", rv.SignedBy, stamp(*rv.Before), s)
		}
		if rv.Reason != "" {
			s += ": " + strconv.Quote(rv.Reason)
		}
		t.line("revoked", s)
	}
	if e.Error != nil {
		t.line("error", fmt.Sprintf("%d %s: %s", e.Error.Status, e.Error.Code, e.Error.Message))
	}
	if e.Reason == adminwire.ReasonSignatureMismatch && e.Signature != nil {
		t.blank()
		r.writeSignature(t, e.Signature)
	}
}

// writeSignature prints the canonical requests side by side, one after
// the other, with the first differing line of each marked.
func (r *Report) writeSignature(t textWriter, sc *adminwire.SignatureCheck) {
	redact := r.URL.Redact
	sent, signed, rebuilt := sc.CanonicalRequest, sc.SignedCanonicalRequest, redact(r.Rebuilt.Request)
	what := "canonical request"
	if sc.Version == "v2" || r.URL.Version == SigV2 {
		// SigV2 signs a string to sign with no canonical request behind it.
		sent, signed, rebuilt = sc.StringToSign, sc.SignedStringToSign, redact(r.Rebuilt.StringToSign)
		what = "string to sign"
	}

	ref := signed
	if ref == "" {
		ref = rebuilt
	}
	fmt.Fprintln(t.w, "signature check")
	writeBlock(t, fmt.Sprintf("the server's %s, from the request as sent:", what), sent, FirstDifference(sent, ref))
	if signed != "" {
		writeBlock(t, fmt.Sprintf("the %s the signature matches (found by the server):", what), signed, FirstDifference(sent, signed))
	}
	writeBlock(t, fmt.Sprintf("the %s rebuilt here from the URL and %s:", what, r.requestPhrase()), rebuilt, FirstDifference(sent, rebuilt))

	if signed != "" {
		if d := FirstDifference(sent, signed); d.Line > 0 {
			t.line("difference", fmt.Sprintf("line %d: sent %q, signed %q", d.Line, d.A, d.B))
		}
	} else {
		t.line("difference", "none found: the server found no variant of the request that the signature matches (another secret, or a request too different to guess)")
	}
	if d := FirstDifference(sent, rebuilt); d.Line > 0 {
		t.line("", fmt.Sprintf("the server's %s differs from the one rebuilt here at line %d: the server judged another request than the one described", what, d.Line))
	}
	if sc.Hint != "" {
		t.line("hint", sc.Hint)
	}
}

// requestPhrase describes the request the canonical request was rebuilt for.
func (r *Report) requestPhrase() string {
	s := "method " + r.Method
	if len(r.Header) == 0 {
		return s + ", no headers"
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	var hs []string
	for _, k := range names {
		for _, v := range r.Header[k] {
			hs = append(hs, k+": "+v)
		}
	}
	return s + ", headers " + r.URL.Redact(strings.Join(hs, "; "))
}

// writeBlock prints text with line numbers, marking line d.Line with ">"
// and a caret under its first differing byte.
func writeBlock(t textWriter, title, text string, d Difference) {
	fmt.Fprintf(t.w, "  %s\n", title)
	for i, l := range strings.Split(text, "\n") {
		mark := " "
		if i+1 == d.Line {
			mark = ">"
		}
		fmt.Fprintf(t.w, "  %s %2d  %s\n", mark, i+1, l)
		if i+1 == d.Line {
			fmt.Fprintf(t.w, "        %s^\n", strings.Repeat(" ", d.Col))
		}
	}
	if d.Line > strings.Count(text, "\n")+1 {
		fmt.Fprintf(t.w, "  > %2d  (no such line)\n", d.Line)
	}
}
