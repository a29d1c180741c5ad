package lifecycle

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, body string) *Document {
	t.Helper()
	var d Document
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return &d
}

func doc(rules ...string) string {
	return "<LifecycleConfiguration>" + strings.Join(rules, "") + "</LifecycleConfiguration>"
}

const expire1 = `<Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`

// Each refusal is the kind of error S3 answers for it: MalformedXML for
// the schema, InvalidArgument and InvalidRequest with S3's sentences,
// InvalidStorageClass for a transition.
func TestValidate(t *testing.T) {
	many := make([]string, MaxRules+1)
	for i := range many {
		many[i] = `<Rule><Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`
	}
	const malformed = "malformed"
	const storage = "storage"
	for _, tc := range []struct {
		name, body string
		want       string // "" ok, malformed, storage, or the error's sentence
	}{
		{"prefix filter", doc(expire1), ""},
		{"legacy prefix", doc(`<Rule><Prefix>a</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), ""},
		{"empty filter", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`), ""},
		{"date with millis", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>`), ""},
		{"and filter", doc(`<Rule><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`), ""},
		{"noncurrent", doc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`), ""},
		{"expired delete marker", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`), ""},
		{"two rules without ID", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`), ""},
		{"ID of 255", doc(`<Rule><ID>` + strings.Repeat("é", 255) + `</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), ""},
		{"1000 rules", doc(many[:MaxRules]...), ""},

		{"no rule", doc(), malformed},
		{"1001 rules", doc(many...), malformed},
		{"unknown root element", doc(expire1, `<Foo/>`), malformed},
		{"unknown rule element", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><Foo/></Rule>`), malformed},
		{"no status", doc(`<Rule><Filter/><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"bad status", doc(`<Rule><Filter/><Status>enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"neither filter nor prefix", doc(`<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"filter and prefix", doc(`<Rule><Prefix/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"two predicates", doc(`<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"empty and", doc(`<Rule><Filter><And></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed},
		{"days and date", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`), malformed},
		{"empty expiration", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration></Expiration></Rule>`), malformed},
		{"days not a number", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>x</Days></Expiration></Rule>`), malformed},
		{"date not a date", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>tomorrow</Date></Expiration></Rule>`), malformed},
		{"abort without days", doc(`<Rule><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload/></Rule>`), malformed},

		{"days zero", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`), "'Days' for Expiration action must be a positive integer"},
		{"days negative", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>-3</Days></Expiration></Rule>`), "'Days' for Expiration action must be a positive integer"},
		{"abort zero", doc(`<Rule><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"noncurrent zero", doc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration></Rule>`), "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"date not midnight", doc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration></Rule>`), "'Date' must be at midnight GMT"},
		{"ID of 256", doc(`<Rule><ID>` + strings.Repeat("a", 256) + `</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "ID length should not exceed allowed limit of 255"},
		{"duplicate IDs", doc(expire1, expire1), "Rule ID must be unique. Found same ID for more than one rule"},
		{"no action", doc(`<Rule><Filter/><Status>Enabled</Status></Rule>`), "At least one action needs to be specified in a rule"},
		{"abort with tag", doc(`<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), "AbortIncompleteMultipartUpload cannot be specified with Tags."},
		{"delete marker with tag", doc(`<Rule><Filter><And><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`), "ExpiredObjectDeleteMarker cannot be specified with Tags."},
		{"transition", doc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`), storage},
		{"noncurrent transition", doc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition></Rule>`), storage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(decode(t, tc.body))
			var ae *ArgumentError
			var re *RequestError
			switch {
			case tc.want == "":
				if err != nil {
					t.Errorf("Validate = %v, want ok", err)
				}
			case tc.want == malformed:
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("Validate = %v, want ErrMalformed", err)
				}
			case tc.want == storage:
				if !errors.Is(err, ErrStorageClass) {
					t.Errorf("Validate = %v, want ErrStorageClass", err)
				}
			case errors.As(err, &ae), errors.As(err, &re):
				if err.Error() != tc.want {
					t.Errorf("Validate = %q, want %q", err, tc.want)
				}
			default:
				t.Errorf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}

// A configuration written by Marshal reads back the same, and the answer
// keeps each filter in the shape it was put.
func TestMarshalRoundTrip(t *testing.T) {
	body := doc(
		`<Rule><ID>legacy</ID><Prefix>a/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`,
		`<Rule><ID>and</ID><Filter><And><Prefix>b/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`,
		`<Rule><ID>empty</ID><Filter></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`,
	)
	cfg, err := Validate(decode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<LifecycleConfiguration>` +
		`<Rule><Expiration><Days>3</Days></Expiration><ID>legacy</ID><Prefix>a/</Prefix><Status>Enabled</Status></Rule>` +
		`<Rule><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><ID>and</ID><Filter><And><Prefix>b/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></And></Filter><Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>` +
		`<Rule><ID>empty</ID><Filter></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
		`</LifecycleConfiguration>`
	if s != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", s, want)
	}
	again, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := again.Marshal(); s2 != s {
		t.Errorf("Parse(Marshal) changed the document:\n%s\n%s", s2, s)
	}
}

func TestFillIDs(t *testing.T) {
	cfg, err := Validate(decode(t, doc(expire1, `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.FillIDs(func() string { return "generated" })
	if cfg.Rules[0].ID != "r" || cfg.Rules[1].ID != "generated" {
		t.Errorf("IDs = %q, %q", cfg.Rules[0].ID, cfg.Rules[1].ID)
	}
}

// AWS's own example: created 2014-01-15 10:30 UTC, Days 3, expires
// 2014-01-19 00:00 UTC; a time at midnight moves to the next one.
func TestNextMidnight(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2014-01-18T10:30:00Z", "2014-01-19T00:00:00Z"},
		{"2014-01-18T23:59:59.999Z", "2014-01-19T00:00:00Z"},
		{"2014-01-18T00:00:00Z", "2014-01-19T00:00:00Z"},
		{"2014-01-18T20:00:00-05:00", "2014-01-20T00:00:00Z"}, // 01:00 UTC on the 19th
	} {
		in, _ := time.Parse(time.RFC3339Nano, tc.in)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := NextMidnight(in); !got.Equal(want) {
			t.Errorf("NextMidnight(%s) = %s, want %s", tc.in, got, want)
		}
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

// The earliest enabled rule that selects an object decides its expiry;
// prefix, tags and sizes must all hold; a disabled rule never acts.
func TestExpiry(t *testing.T) {
	cfg := mustConfig(t, doc(
		`<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`,
		`<Rule><ID>tmp</ID><Filter><And><Prefix>logs/tmp/</Prefix><Tag><Key>t</Key><Value>1</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
		`<Rule><ID>big</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Date>2014-02-01T00:00:00Z</Date></Expiration></Rule>`,
		`<Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
	))
	mod := time.Date(2014, 1, 15, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		o      Object
		at     string
		ruleID string
	}{
		{Object{Key: "logs/a"}, "2014-01-19T00:00:00Z", "logs"},
		{Object{Key: "logs/tmp/a"}, "2014-01-19T00:00:00Z", "logs"},
		{Object{Key: "logs/tmp/a", Tags: []Tag{{"t", "1"}}}, "2014-01-17T00:00:00Z", "tmp"},
		{Object{Key: "logs/tmp/a", Tags: []Tag{{"t", "2"}}}, "2014-01-19T00:00:00Z", "logs"},
		{Object{Key: "other", Size: 101}, "2014-02-01T00:00:00Z", "big"},
		{Object{Key: "other", Size: 100}, "", ""},
	} {
		at, id, ok := cfg.Expiry(tc.o, mod)
		if tc.at == "" {
			if ok {
				t.Errorf("Expiry(%+v) = %s by %s, want none", tc.o, at, id)
			}
			continue
		}
		want, _ := time.Parse(time.RFC3339, tc.at)
		if !ok || !at.Equal(want) || id != tc.ruleID {
			t.Errorf("Expiry(%+v) = %s by %q (%v), want %s by %q", tc.o, at, id, ok, want, tc.ruleID)
		}
	}
}

func TestAbortAndNoncurrent(t *testing.T) {
	cfg := mustConfig(t, doc(
		`<Rule><ID>up</ID><Filter><Prefix>in/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`,
		`<Rule><ID>dm</ID><Filter><Prefix>d/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`,
	))
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if at, id, ok := cfg.AbortDue("in/x", start); !ok || id != "up" || !at.Equal(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("AbortDue = %s %q %v", at, id, ok)
	}
	if _, _, ok := cfg.AbortDue("out/x", start); ok {
		t.Error("AbortDue outside the prefix")
	}
	due := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	o := Object{Key: "in/x"}
	if cfg.NoncurrentExpired(o, start, 1, due.Add(-time.Nanosecond)) {
		t.Error("noncurrent version expired before its day")
	}
	if !cfg.NoncurrentExpired(o, start, 1, due) {
		t.Error("noncurrent version kept on its day")
	}
	if cfg.NoncurrentExpired(o, start, 0, due) {
		t.Error("the newest noncurrent version expired though the rule keeps one")
	}
	if !cfg.RemovesExpiredDeleteMarker("d/x") || cfg.RemovesExpiredDeleteMarker("in/x") {
		t.Error("RemovesExpiredDeleteMarker ignores the prefix")
	}
	for kind, want := range map[int]string{Uploads: "in/", Current: "", Versions: "d/,in/"} {
		if got := strings.Join(cfg.Prefixes(kind), ","); got != want {
			t.Errorf("Prefixes(%d) = %q, want %q", kind, got, want)
		}
	}
}

// Prefixes lists each key once: a prefix inside another is dropped, ""
// covers everything, and disabled rules list nothing.
func TestPrefixes(t *testing.T) {
	rule := func(prefix, status string) string {
		return `<Rule><Filter><Prefix>` + prefix + `</Prefix></Filter><Status>` + status + `</Status><Expiration><Days>1</Days></Expiration></Rule>`
	}
	for _, tc := range []struct {
		rules []string
		want  string
	}{
		{[]string{rule("logs/", "Enabled"), rule("logs/tmp/", "Enabled"), rule("a", "Enabled")}, "a,logs/"},
		{[]string{rule("logs/", "Enabled"), rule("", "Enabled")}, ""},
		{[]string{rule("logs/", "Enabled"), rule("", "Disabled")}, "logs/"},
		{[]string{rule("logs", "Enabled"), rule("logs/", "Enabled"), rule("logsX", "Enabled")}, "logs"},
	} {
		cfg := mustConfig(t, doc(tc.rules...))
		got := cfg.Prefixes(Current)
		if strings.Join(got, ",") != tc.want || (tc.want == "" && len(got) != 1) {
			t.Errorf("Prefixes = %q, want %q", got, tc.want)
		}
	}
	if got := mustConfig(t, doc(rule("x", "Disabled"))).Prefixes(Current); len(got) != 0 {
		t.Errorf("Prefixes of disabled rules = %q", got)
	}
}
