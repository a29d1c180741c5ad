package inspect

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
)

// FuzzParse feeds arbitrary text to Parse and everything built on it: no
// input may panic, a parse error always comes as *Error with at least one
// problem, and a parsed URL judges, rebuilds and renders.
func FuzzParse(f *testing.F) {
	f.Add("https://presignedbucketexample.s3.us-east-1.amazonaws.com/yawning-cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
	f.Add("http://b.localhost:9000/a%20b/c%2Bd?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Security-Token=t%2B&X-Amz-Signature=00")
	f.Add("http://localhost:9000/b/k?AWSAccessKeyId=AKIAX&Expires=1369353600&Signature=abc%3D&x-amz-security-token=tok")
	f.Add("http://[::1]:9000/b/k?x-amz-algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-0&X-Amz-Expires=99999999999999999999")
	f.Add("https://user@photos.s3-us-west-2.amazonaws.com?response-content-type=%zz&&=&X-Amz-Date=#frag")
	f.Add("HTTP://%")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := Parse(raw)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || len(e.Problems) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
		} else {
			j := Judge(u, time.Date(2013, 5, 24, 12, 0, 0, 0, time.UTC))
			if j.Reason == "" || j.Verdict == "" || j.Message == "" {
				t.Fatalf("empty judgement %+v", j)
			}
			_ = u.Rebuild("PUT", http.Header{"Host": {"h"}, "content-type": {"x"}})
		}
		r := New(raw, time.Date(2013, 5, 24, 12, 0, 0, 0, time.UTC), "GET", nil)
		if r.Judgeable() {
			creq := r.Rebuilt.Text()
			r.ServerEndpoint = "http://localhost:9000"
			r.Server = &adminwire.Explanation{Verdict: "invalid", Reason: adminwire.ReasonSignatureMismatch,
				Signature: &adminwire.SignatureCheck{CanonicalRequest: creq, SignedCanonicalRequest: strings.Replace(creq, "\n", "\nx", 2)}}
		}
		if err := r.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}
