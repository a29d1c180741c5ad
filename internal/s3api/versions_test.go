package s3api

import (
	"encoding/xml"
	"errors"
	"math/rand"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"signet/internal/authn"
)

type versionsResult struct {
	KeyMarker           string
	VersionIdMarker     string
	NextKeyMarker       *string
	NextVersionIdMarker *string
	IsTruncated         bool
	MaxKeys             int
	Version             []struct {
		Key, VersionId, ETag, StorageClass string
		IsLatest                           bool
		Size                               int64
	}
	DeleteMarker   []struct{ Key string }
	CommonPrefixes []struct{ Prefix string }
}

// listVersionsAll pages through ListObjectVersions as SDK paginators do:
// NextKeyMarker and, when sent, NextVersionIdMarker become the next
// request's key-marker and version-id-marker.
func listVersionsAll(t *testing.T, e *env, prefix, delim string, max int) []string {
	t.Helper()
	var out []string
	keyMarker, versionMarker := "", ""
	for page := 0; page < 200; page++ {
		q := url.Values{"versions": {""}, "prefix": {prefix}, "max-keys": {strconv.Itoa(max)}, "encoding-type": {"url"}}
		if delim != "" {
			q.Set("delimiter", delim)
		}
		if keyMarker != "" {
			q.Set("key-marker", keyMarker)
		}
		if versionMarker != "" {
			q.Set("version-id-marker", versionMarker)
		}
		var r versionsResult
		if err := xml.Unmarshal(e.mustDo(200, "GET", "/lst?"+q.Encode(), "").Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		var entries []string
		prefixes := map[string]bool{}
		for _, v := range r.Version {
			if v.VersionId != "null" || !v.IsLatest {
				t.Fatalf("version %+v: want the null version, latest", v)
			}
			k, _ := url.QueryUnescape(v.Key)
			entries = append(entries, k)
		}
		for _, c := range r.CommonPrefixes {
			p, _ := url.QueryUnescape(c.Prefix)
			entries = append(entries, p)
			prefixes[p] = true
		}
		if len(r.DeleteMarker) != 0 {
			t.Fatalf("delete markers in a never-versioned bucket: %+v", r.DeleteMarker)
		}
		if len(entries) > max {
			t.Fatalf("page of %d > max %d", len(entries), max)
		}
		sort.Strings(entries)
		out = append(out, entries...)
		if !r.IsTruncated {
			if r.NextKeyMarker != nil || r.NextVersionIdMarker != nil {
				t.Fatal("next markers on the last page")
			}
			return out
		}
		if r.NextKeyMarker == nil {
			t.Fatal("truncated page without NextKeyMarker")
		}
		keyMarker, _ = url.QueryUnescape(*r.NextKeyMarker)
		if keyMarker != entries[len(entries)-1] {
			t.Fatalf("NextKeyMarker %q, last entry %q", keyMarker, entries[len(entries)-1])
		}
		versionMarker = ""
		if r.NextVersionIdMarker != nil {
			versionMarker = *r.NextVersionIdMarker
		}
		if prefixes[keyMarker] == (versionMarker != "") {
			t.Fatalf("NextVersionIdMarker %q after %q: sent after a key, never after a common prefix", versionMarker, keyMarker)
		}
	}
	t.Fatal("listing did not end")
	return nil
}

func TestListObjectVersionsAgainstModel(t *testing.T) {
	e := newEnv(t)
	e.bucket("lst")
	rng := rand.New(rand.NewSource(2))
	parts := []string{"a", "b", "a/", "c/d", "é", "x y", "+", "/"}
	set := map[string]bool{}
	for len(set) < 50 {
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
	for _, prefix := range []string{"", "a", "a/", "c/"} {
		for _, delim := range []string{"", "/"} {
			want := modelList(keys, prefix, delim)
			for _, max := range []int{1, 2, 5, 1000} {
				got := listVersionsAll(t, e, prefix, delim, max)
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Fatalf("prefix %q delim %q max %d:\n got %q\nwant %q", prefix, delim, max, got, want)
				}
			}
		}
	}
}

func TestListObjectVersionsGoldenAndArgs(t *testing.T) {
	e := newEnv(t)
	e.bucket("lst")
	for _, k := range []string{"a/1", "a/2", "b", "c d", "e"} {
		e.put("lst", url.PathEscape(k), "xyz")
	}
	golden(t, "list_versions.xml", e.mustDo(200, "GET", "/lst?versions&delimiter=/&max-keys=3", "").Body.Bytes())
	golden(t, "list_versions_url.xml", e.mustDo(200, "GET", "/lst?versions&encoding-type=url&key-marker=b&version-id-marker=null", "").Body.Bytes())

	// key-marker alone starts after every version of that key, as does
	// key-marker with the null version.
	for _, q := range []string{"key-marker=b", "key-marker=b&version-id-marker=null"} {
		var r versionsResult
		if err := xml.Unmarshal(e.mustDo(200, "GET", "/lst?versions&"+q, "").Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Version) != 2 || r.Version[0].Key != "c d" || r.Version[1].Key != "e" {
			t.Errorf("%s: %+v, want c d and e", q, r.Version)
		}
	}
	// A truncated page without a delimiter names its last version.
	var r versionsResult
	if err := xml.Unmarshal(e.mustDo(200, "GET", "/lst?versions&max-keys=2", "").Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.IsTruncated || r.NextKeyMarker == nil || *r.NextKeyMarker != "a/2" || r.NextVersionIdMarker == nil || *r.NextVersionIdMarker != "null" {
		t.Errorf("truncated page: %+v", r)
	}

	e2 := expectErr(t, e.do("GET", "/lst?versions&version-id-marker=null", nil), 400, "InvalidArgument")
	if e2.Message != "A version-id marker cannot be specified without a key marker." {
		t.Errorf("message %q", e2.Message)
	}
	e2 = expectErr(t, e.do("GET", "/lst?versions&key-marker=b&version-id-marker=3sL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY", nil), 400, "InvalidArgument")
	if e2.Message != "Invalid version id specified" {
		t.Errorf("message %q", e2.Message)
	}
	expectErr(t, e.do("GET", "/lst?versions&max-keys=x", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/lst?versions&encoding-type=base64", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/nolst?versions", nil), 404, "NoSuchBucket")
	// Only a bucket's GET ?versions is ListObjectVersions.
	expectErr(t, e.do("GET", "/lst/b?versions", nil), 501, "NotImplemented")
	expectErr(t, e.do("PUT", "/lst?versions", nil), 501, "NotImplemented")
	w := e.mustDo(200, "GET", "/lst?versions&max-keys=5000", "")
	if !strings.Contains(w.Body.String(), "<MaxKeys>1000</MaxKeys>") {
		t.Error("max-keys not capped")
	}
	w = e.mustDo(200, "GET", "/lst?versions&max-keys=0", "")
	if !strings.Contains(w.Body.String(), "<IsTruncated>false</IsTruncated>") || strings.Contains(w.Body.String(), "<Version>") {
		t.Errorf("max-keys=0: %s", w.Body.String())
	}
}

// ListObjectVersions is authorised as s3:ListBucketVersions on the bucket,
// with the listing's condition keys: s3:ListBucket alone does not allow it.
func TestListObjectVersionsAction(t *testing.T) {
	var got []string
	e := newEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(_ *http.Request, res *authn.Result, action, resource string) error {
			got = append(got, action+" "+resource)
			if action == "s3:ListBucketVersions" {
				return errors.New("denied")
			}
			return nil
		})
	})
	e.bucket("lst")
	got = nil
	expectErr(t, e.do("GET", "/lst?versions&prefix=p", nil), 403, "AccessDenied")
	if strings.Join(got, ",") != "s3:ListBucketVersions arn:aws:s3:::lst" {
		t.Errorf("authorised %q", got)
	}
}
