package s3api

import (
	"encoding/xml"
	"math/rand"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// modelList is the reference listing: every entry (key or rolled-up common
// prefix) in order, computed without the server.
func modelList(keys []string, prefix, delim string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		e := k
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				e = k[:len(prefix)+i+len(delim)]
			}
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}

func TestListingAgainstModel(t *testing.T) {
	e := newEnv(t)
	e.bucket("lst")
	rng := rand.New(rand.NewSource(1))
	parts := []string{"a", "b", "a/", "b/", "c/d", "é", "x y", "/"}
	set := map[string]bool{}
	for len(set) < 60 {
		var k string
		for n := 1 + rng.Intn(4); n > 0; n-- {
			k += parts[rng.Intn(len(parts))]
		}
		set[k] = true
	}
	var keys []string
	for k := range set {
		keys = append(keys, k)
		e.mustDo(200, "PUT", "/lst/"+url.PathEscape(k), "v")
	}
	sort.Strings(keys)
	for _, prefix := range []string{"", "a", "a/", "b/c"} {
		for _, delim := range []string{"", "/", "b"} {
			want := modelList(keys, prefix, delim)
			for _, max := range []int{1, 2, 3, 7, 1000} {
				for _, v2 := range []bool{false, true} {
					got := listAll(t, e, prefix, delim, max, v2)
					if strings.Join(got, "|") != strings.Join(want, "|") {
						t.Fatalf("prefix %q delim %q max %d v2 %v:\n got %q\nwant %q", prefix, delim, max, v2, got, want)
					}
				}
			}
		}
	}
}

type listResult struct {
	IsTruncated           bool
	NextMarker            string
	NextContinuationToken string
	KeyCount              int
	MaxKeys               int
	Contents              []struct{ Key string }
	CommonPrefixes        []struct{ Prefix string }
}

// listAll pages through a listing the way clients do.
func listAll(t *testing.T, e *env, prefix, delim string, max int, v2 bool) []string {
	t.Helper()
	var out []string
	token, marker := "", ""
	for page := 0; page < 200; page++ {
		q := url.Values{"prefix": {prefix}, "max-keys": {strconv.Itoa(max)}, "encoding-type": {"url"}}
		if delim != "" {
			q.Set("delimiter", delim)
		}
		if v2 {
			q.Set("list-type", "2")
			if token != "" {
				q.Set("continuation-token", token)
			}
		} else if marker != "" {
			q.Set("marker", marker)
		}
		w := e.mustDo(200, "GET", "/lst?"+q.Encode(), "")
		var r listResult
		if err := xml.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		var entries []string
		for _, c := range r.Contents {
			k, _ := url.QueryUnescape(c.Key)
			entries = append(entries, k)
		}
		for _, c := range r.CommonPrefixes {
			p, _ := url.QueryUnescape(c.Prefix)
			entries = append(entries, p)
		}
		if len(entries) > max {
			t.Fatalf("page of %d > max %d", len(entries), max)
		}
		if v2 && r.KeyCount != len(entries) {
			t.Fatalf("KeyCount %d, entries %d", r.KeyCount, len(entries))
		}
		sort.Strings(entries)
		out = append(out, entries...)
		if !r.IsTruncated {
			return out
		}
		if v2 {
			token = r.NextContinuationToken
		} else {
			if delim == "" && r.NextMarker != "" {
				t.Fatal("NextMarker without delimiter")
			}
			marker = r.NextMarker
			if marker == "" {
				marker = entries[len(entries)-1]
			} else {
				marker, _ = url.QueryUnescape(marker)
			}
		}
	}
	t.Fatal("listing did not end")
	return nil
}

func TestListGoldenAndArgs(t *testing.T) {
	e := newEnv(t)
	e.bucket("lst")
	for _, k := range []string{"a/1", "a/2", "b", "c d"} {
		e.put("lst", url.PathEscape(k), "x")
	}
	golden(t, "list_v1.xml", e.mustDo(200, "GET", "/lst?delimiter=/&max-keys=2", "").Body.Bytes())
	golden(t, "list_v2.xml", e.mustDo(200, "GET", "/lst?list-type=2&delimiter=/&fetch-owner=true&encoding-type=url&start-after=a", "").Body.Bytes())
	expectErr(t, e.do("GET", "/lst?max-keys=-1", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/lst?list-type=2&max-keys=abc", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/lst?encoding-type=base64", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/lst?list-type=2&continuation-token=!!!", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/nolst?list-type=2", nil), 404, "NoSuchBucket")
	w := e.mustDo(200, "GET", "/lst?list-type=2&max-keys=5000", "")
	if !strings.Contains(w.Body.String(), "<MaxKeys>1000</MaxKeys>") {
		t.Error("max-keys not capped")
	}
}

// TestS3URLEncode pins encoding-type=url as S3 answers it: "/" kept, a
// space %20, "+" %2B, every other reserved, control or non-ASCII byte
// percent-encoded in upper-case hex; and every result decodes back
// through both query and path unescaping.
func TestS3URLEncode(t *testing.T) {
	cases := map[string]string{
		"foo+1/":        "foo%2B1/",
		"quux ab/":      "quux%20ab/",
		"asdf+b":        "asdf%2Bb",
		"a-b_c.d~e":     "a-b_c.d~e",
		"100%":          "100%25",
		"é":             "%C3%A9",
		"\x01\x1f\x7f":  "%01%1F%7F",
		"?&=#:;,@!*'()": "%3F%26%3D%23%3A%3B%2C%40%21%2A%27%28%29",
	}
	for in, want := range cases {
		got := s3URLEncode(in)
		if got != want {
			t.Errorf("s3URLEncode(%q) = %q, want %q", in, got, want)
		}
		if q, err := url.QueryUnescape(got); err != nil || q != in {
			t.Errorf("QueryUnescape(%q) = %q, %v", got, q, err)
		}
		if p, err := url.PathUnescape(got); err != nil || p != in {
			t.Errorf("PathUnescape(%q) = %q, %v", got, p, err)
		}
	}
}
