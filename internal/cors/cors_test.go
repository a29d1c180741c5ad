package cors

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func decode(t *testing.T, body string) *Document {
	t.Helper()
	var d Document
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return &d
}

func rules(rs ...string) string {
	return `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rs, "") + `</CORSConfiguration>`
}

func TestValidate(t *testing.T) {
	ok := `<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`
	tests := []struct {
		name, body string
		err        error  // sentinel, or nil
		msg        string // the typed error's message, when not a sentinel
	}{
		{"one rule", rules(ok), nil, ""},
		{"every member", rules(`<CORSRule><ID>r1</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>`), nil, ""},
		{"100 rules", rules(strings.Repeat(ok, MaxRules)), nil, ""},
		{"101 rules", rules(strings.Repeat(ok, MaxRules+1)), ErrMalformed, ""},
		{"no rule", rules(), ErrMalformed, ""},
		{"empty rule", rules(`<CORSRule/>`), ErrMalformed, ""},
		{"no origin", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>`), ErrMalformed, ""},
		{"no method", rules(`<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>`), ErrMalformed, ""},
		{"unknown rule element", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><AllowedMethods>GET</AllowedMethods></CORSRule>`), ErrMalformed, ""},
		{"unknown top element", rules(ok + `<Rule/>`), ErrMalformed, ""},
		{"two IDs", rules(`<CORSRule><ID>a</ID><ID>b</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), ErrMalformed, ""},
		{"ID of 255", rules(`<CORSRule><ID>` + strings.Repeat("é", 255) + `</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil, ""},
		{"ID of 256", rules(`<CORSRule><ID>` + strings.Repeat("i", 256) + `</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), ErrMalformed, ""},
		{"max age not a number", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule>`), ErrMalformed, ""},
		{"negative max age", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>`), ErrMalformed, ""},
		{"unknown method", rules(`<CORSRule><AllowedMethod>MYMETHOD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil,
			"Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD"},
		{"lower-case method", rules(`<CORSRule><AllowedMethod>get</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil,
			"Found unsupported HTTP method in CORS config. Unsupported method is get"},
		{"OPTIONS", rules(`<CORSRule><AllowedMethod>OPTIONS</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil,
			"Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"},
		{"empty method", rules(`<CORSRule><AllowedMethod/><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil,
			"Found unsupported HTTP method in CORS config. Unsupported method is "},
		{"two wildcards in an origin", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*example*.com</AllowedOrigin></CORSRule>`), nil,
			`AllowedOrigin "*example*.com" can not have more than one wildcard.`},
		{"two wildcards in a header", rules(`<CORSRule><AllowedHeader>x-*-*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`), nil,
			`AllowedHeader "x-*-*" can not have more than one wildcard.`},
		{"empty origin is an origin", rules(`<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin></AllowedOrigin></CORSRule>`), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Validate(decode(t, tc.body))
			switch {
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			case tc.msg != "":
				if err == nil || err.Error() != tc.msg {
					t.Fatalf("err = %v, want %q", err, tc.msg)
				}
				var um *UnsupportedMethodError
				var we *WildcardError
				if !errors.As(err, &um) && !errors.As(err, &we) {
					t.Fatalf("err %T is neither typed error", err)
				}
			default:
				if err != nil || cfg == nil {
					t.Fatalf("Validate = %v, %v", cfg, err)
				}
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	in := rules(`<CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>`,
		`<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule>`)
	cfg, err := Validate(decode(t, in))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<CORSConfiguration><CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>` +
		`<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule></CORSConfiguration>`
	if doc != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", doc, want)
	}
	back, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Fatalf("Parse(Marshal) = %+v, want %+v", back, cfg)
	}
	if _, err := Parse("<CORSConfiguration>"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Parse of a torn document: %v", err)
	}
}

func mustConfig(t *testing.T, body string) *Config {
	t.Helper()
	cfg, err := Validate(decode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestMatch(t *testing.T) {
	cfg := mustConfig(t, rules(
		`<CORSRule><ID>suffix</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*suffix</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>startend</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>start*end</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>prefix</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>prefix*</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>put</ID><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>*.put</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>site-write</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>content-type</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>site-all</ID><AllowedHeader>*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin></CORSRule>`,
		`<CORSRule><ID>anyone-head</ID><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`,
	))
	tests := []struct {
		origin, method string
		requested      []string
		preflight      bool
		want           string // the matched rule's ID, "" for none
	}{
		// One wildcard, anchored at both ends, matching the empty run.
		{"foo.suffix", "GET", nil, false, "suffix"},
		{"suffix", "GET", nil, false, "suffix"},
		{"foo.suffix.get", "GET", nil, false, ""},
		{"startend", "GET", nil, false, "startend"},
		{"start12end", "GET", nil, false, "startend"},
		{"0start12end", "GET", nil, false, ""},
		{"prefix", "GET", nil, false, "prefix"},
		{"prefix.suffix", "GET", nil, false, "suffix"}, // order: the first rule wins
		{"bla.prefix", "GET", nil, false, ""},
		{"foo.put", "GET", nil, false, ""},
		{"foo.put", "PUT", nil, false, "put"},
		// Origins compare exactly: scheme, host, port and case.
		{"https://app.example.com", "PUT", nil, false, "site-write"},
		{"http://app.example.com", "PUT", nil, false, ""},
		{"https://app.example.com:443", "PUT", nil, false, ""},
		{"https://APP.example.com", "PUT", nil, false, ""},
		{"https://app.example.com/", "PUT", nil, false, ""},
		// Methods compare exactly.
		{"https://app.example.com", "put", nil, false, ""},
		{"https://app.example.com", "DELETE", nil, false, "site-all"},
		{"https://app.example.com", "GET", nil, false, ""},
		{"null", "HEAD", nil, false, "anyone-head"},
		// Preflight: every requested header must match, without regard
		// to case; a rule that allows fewer passes to the next.
		{"https://app.example.com", "PUT", []string{"content-type", "x-amz-meta-name"}, true, "site-write"},
		{"https://app.example.com", "PUT", []string{"Content-Type", "X-AMZ-DATE"}, true, "site-write"},
		{"https://app.example.com", "PUT", []string{"content-type", "authorization"}, true, "site-all"},
		{"https://app.example.com", "POST", []string{"authorization"}, true, ""},
		{"https://app.example.com", "PUT", nil, true, "site-write"},
		{"anyone", "HEAD", []string{"x-amz-date"}, true, ""}, // no AllowedHeader allows none
		// An actual request's own headers are not checked.
		{"https://app.example.com", "POST", []string{"authorization"}, false, "site-write"},
	}
	for _, tc := range tests {
		var r Rule
		var ok bool
		if tc.preflight {
			r, ok = cfg.MatchPreflight(tc.origin, tc.method, tc.requested)
		} else {
			r, ok = cfg.Match(tc.origin, tc.method)
		}
		got := ""
		if ok {
			got = r.ID
		}
		if got != tc.want {
			t.Errorf("match(%q, %q, %q, preflight %v) = %q, want %q", tc.origin, tc.method, tc.requested, tc.preflight, got, tc.want)
		}
	}
}

func TestHeaders(t *testing.T) {
	cfg := mustConfig(t, rules(
		`<CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>`,
		`<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`,
	))
	site, _ := cfg.Match("https://app.example.com", "PUT")
	got := site.Headers("https://app.example.com", ParseRequestHeaders([]string{"Content-Type,X-Amz-Meta-Name", " , x-amz-date "}))
	want := []Header{
		{"Access-Control-Allow-Origin", "https://app.example.com"},
		{"Access-Control-Allow-Methods", "GET, PUT"},
		{"Access-Control-Allow-Headers", "content-type, x-amz-meta-name, x-amz-date"},
		{"Access-Control-Expose-Headers", "ETag, x-amz-request-id"},
		{"Access-Control-Max-Age", "600"},
		{"Access-Control-Allow-Credentials", "true"},
		{"Vary", Vary},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("site headers =\n%q\nwant\n%q", got, want)
	}
	anyone, _ := cfg.Match("http://elsewhere", "HEAD")
	got = anyone.Headers("http://elsewhere", nil)
	want = []Header{
		{"Access-Control-Allow-Origin", "*"},
		{"Access-Control-Allow-Methods", "HEAD"},
		{"Vary", Vary},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wildcard headers =\n%q\nwant\n%q", got, want)
	}
}
