package sigv2

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"signet/internal/secret"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// encodedForms lists the ways a client (or an attacker) can spell name on
// the wire so that it still decodes to name: its first or last byte
// escaped (upper- and lower-case hex), every byte escaped, and each '-'
// escaped.
func encodedForms(name string) []string {
	esc := func(b byte, lower bool) string {
		const up, lo = "0123456789ABCDEF", "0123456789abcdef"
		h := up
		if lower {
			h = lo
		}
		return "%" + string(h[b>>4]) + string(h[b&15])
	}
	var all strings.Builder
	for i := 0; i < len(name); i++ {
		all.WriteString(esc(name[i], false))
	}
	forms := []string{
		esc(name[0], false) + name[1:],
		esc(name[0], true) + name[1:],
		name[:len(name)-1] + esc(name[len(name)-1], false),
		all.String(),
	}
	if strings.Contains(name, "-") {
		forms = append(forms, strings.ReplaceAll(name, "-", "%2D"), strings.ReplaceAll(name, "-", "%2d"))
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// routingView is what the S3 router and the response-* overrides read:
// r.URL.Query(), restricted to the names SigV2 signs.
func routingView(r *http.Request) url.Values {
	out := url.Values{}
	for k, vs := range r.URL.Query() {
		if subresources[k] {
			out[k] = vs
		}
	}
	return out
}

// withQuery returns a server-side copy of r with extra appended to its
// raw query, as an attacker holding r's signature would send it.
func withQuery(r *http.Request, extra string) *http.Request {
	target := r.RequestURI
	if strings.Contains(target, "?") {
		target += "&" + extra
	} else {
		target += "?" + extra
	}
	r2 := httptest.NewRequest(r.Method, target, nil)
	r2.Host = r.Host
	r2.Header = r.Header.Clone()
	return r2
}

// TestEncodedSubresourceIsSigned is finding 1 of issue 13: a sub-resource
// or response-* override whose name is percent-encoded is routed by its
// decoded name, so it must be signed by its decoded name. Appending one to
// a signed request (query or header auth) must break the signature, and
// the string to sign must be the same as for the plain spelling.
func TestEncodedSubresourceIsSigned(t *testing.T) {
	sk := secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	names := make([]string, 0, len(subresources))
	for n := range subresources {
		names = append(names, n)
	}
	sort.Strings(names)
	signed := map[Kind]func(t *testing.T) *http.Request{
		QueryAuth: func(t *testing.T) *http.Request {
			u, err := Presign(PresignInput{Method: "GET", URL: "http://localhost:9000/b/k", AccessKeyID: "AKID", SecretAccessKey: sk, Expires: time.Unix(1900000000, 0)})
			if err != nil {
				t.Fatal(err)
			}
			return serverRequest("GET", u, nil)
		},
		HeaderAuth: func(t *testing.T) *http.Request {
			r := serverRequest("GET", "http://localhost:9000/b/k", nil)
			if err := SignHeader(r, "AKID", sk, time.Unix(1900000000, 0), ""); err != nil {
				t.Fatal(err)
			}
			return r
		},
	}
	for kind, sign := range signed {
		base := sign(t)
		for _, name := range names {
			for _, form := range encodedForms(name) {
				for _, pair := range []string{form, form + "=", form + "=text%2Fhtml"} {
					plain := strings.Replace(pair, form, name, 1)
					attacked := withQuery(base, pair)
					if !routingView(attacked).Has(name) {
						t.Fatalf("%s: the router does not see %s; the test is wrong", pair, name)
					}
					parse := ParseHeader
					if kind == QueryAuth {
						parse = ParseQuery
					}
					a, err := parse(attacked)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := Verify(attacked, a, sk, ""); !errors.Is(err, ErrSignatureMismatch) {
						t.Errorf("kind %d: %q appended: the signature still verifies (err %v), so %s is routed unsigned", kind, pair, err, name)
					}
					if got, want := StringToSign(attacked, a, ""), StringToSign(withQuery(base, plain), a, ""); got != want {
						t.Errorf("kind %d: %q is signed as\n%q\nwant the decoded spelling's\n%q", kind, pair, got, want)
					}
				}
			}
		}
	}
}

// TestSignedValueIsServedValue: the value of a sub-resource is signed as
// the router decodes it ("+" is a space, as in url.ParseQuery), and a pair
// the router drops (a bad escape, a semicolon) is not signed.
func TestSignedValueIsServedValue(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"response-content-type=text+html", "/b/k?response-content-type=text html"},
		{"response-content-type=text%2Bhtml", "/b/k?response-content-type=text+html"},
		{"versionId=%zz&acl", "/b/k?acl"},
		{"response-content-disposition=attachment;filename=x&acl", "/b/k?acl"},
		{"%zzpolicy&uploads", "/b/k?uploads"},
	} {
		r := httptest.NewRequest("GET", "/b/k?"+c.query, nil)
		if got := resource(r, "", variant{}); got != c.want {
			t.Errorf("resource(%q) = %q, want %q (the router sees %v)", c.query, got, c.want, routingView(r))
		}
	}
}

// FuzzRoutedIsSigned checks finding 1's invariant directly: for any query,
// the sub-resources SigV2 signs are exactly those the router reads
// (r.URL.Query(), restricted to sub-resource names), and a signature made
// over one query never verifies another query that routes differently.
func FuzzRoutedIsSigned(f *testing.F) {
	f.Add("uploads", "%75ploads")
	f.Add("partNumber=1&uploadId=u", "%75ploadId=x&%70artNumber=1")
	f.Add("response-content-type=a%2Bb", "response%2Dcontent-type=text/html")
	f.Add("acl&versionId=v", "%zz=1&policy;=x&response-expires=+")
	f.Add("response-content-disposition=attachment%3Bfilename%3Dx", "")
	f.Fuzz(func(t *testing.T, rawQuery, extra string) {
		if !requestLineQuery(rawQuery + extra) {
			return
		}
		r1 := httptest.NewRequest("GET", "/b/k", nil)
		r1.URL.RawQuery, r1.RequestURI = rawQuery, "/b/k?"+rawQuery
		signed := url.Values{}
		for _, s := range signedSubresources(rawQuery) {
			signed[s.k] = append(signed[s.k], s.v)
		}
		if routed := routingView(r1); !equalValues(routed, signed) {
			t.Fatalf("query %q: routed %v, signed %v", rawQuery, routed, signed)
		}
		if err := SignHeader(r1, "AKID", secret.New("secret"), time.Unix(1900000000, 0), ""); err != nil {
			t.Fatal(err)
		}
		r2 := withQuery(r1, extra)
		a, err := ParseHeader(r2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(r2, a, secret.New("secret"), ""); err == nil && !equalValues(routingView(r1), routingView(r2)) {
			t.Fatalf("the signature of %q verifies %q, which routes %v instead of %v", rawQuery, r2.URL.RawQuery, routingView(r2), routingView(r1))
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, vs := range a {
		if !slices.Equal(vs, b[k]) {
			return false
		}
	}
	return true
}

// requestLineQuery reports whether q can be sent as a request line's query:
// no fragment, no spaces or control bytes.
func requestLineQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}
