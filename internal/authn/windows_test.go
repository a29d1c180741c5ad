package authn

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// The extremes of time.Time: the largest and smallest instants it holds
// (int64 seconds from year 1, plus nanoseconds).
var (
	maxTime = time.Unix(math.MaxInt64-62135596800, 999999999).UTC()
	minTime = time.Unix(math.MinInt64, 0).UTC()
)

// TestSkewComparesTimes is finding 10 of issue 13: the 15-minute window
// was checked on now.Sub(t), which saturates at the Duration limits about
// 292 years away; the negation of the minimum stays negative, so a request
// dated 2340 or 9999 passed as if on time and could be replayed forever.
func TestSkewComparesTimes(t *testing.T) {
	for _, c := range []struct {
		name    string
		sent    time.Time
		now     time.Time
		allowed bool
	}{
		{"on time", t0, t0, true},
		{"15 min ahead", t0.Add(MaxSkew), t0, true},
		{"15 min behind", t0.Add(-MaxSkew), t0, true},
		{"15 min and 1 ns ahead", t0.Add(MaxSkew + 1), t0, false},
		{"15 min and 1 ns behind", t0.Add(-MaxSkew - 1), t0, false},
		{"year 2340", time.Date(2340, 1, 1, 0, 0, 0, 0, time.UTC), t0, false},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), t0, false},
		{"year 1", time.Time{}, t0, false},
		{"year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), t0, false},
		{"largest time", maxTime, t0, false},
		{"smallest time", minTime, t0, false},
		{"now is the largest time", t0, maxTime, false},
		{"now is the smallest time", t0, minTime, false},
		{"largest against smallest", maxTime, minTime, false},
		{"smallest against largest", minTime, maxTime, false},
		{"both the largest time", maxTime, maxTime, true},
		{"both the smallest time", minTime, minTime, true},
		{"just under the largest time", maxTime.Add(-MaxSkew), maxTime, true},
		{"just over the smallest time", minTime.Add(MaxSkew), minTime, true},
	} {
		f := skew(c.sent, "sent", c.now)
		if (f == nil) != c.allowed {
			t.Errorf("%s: sent %s, now %s: allowed %v, want %v", c.name, c.sent, c.now, f == nil, c.allowed)
		}
	}
}

// TestFarFutureHeaderRequestsRefused drives the same through Authenticate,
// for SigV4 and SigV2 header authentication.
func TestFarFutureHeaderRequestsRefused(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2340, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2500, 6, 1, 12, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		f := newFixture()
		r := signedHeaderRequest(t, at, "x", sigv4.HexSHA256([]byte("x")))
		wantReason(t, mustFailReq(f, r), ReasonTimeTooSkewed)

		r2, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/key", nil)
		if err := sigv2.SignHeader(r2, longKey, secret.New(longSec), at, ""); err != nil {
			t.Fatal(err)
		}
		wantReason(t, mustFailReq(f, serverRequest("GET", r2.URL.String(), r2.Header, "")), ReasonTimeTooSkewed)

		// x-amz-date instead of Date.
		r3, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/key", nil)
		r3.Header.Set("X-Amz-Date", at.Format(http.TimeFormat))
		if err := sigv2.SignHeader(r3, longKey, secret.New(longSec), at, ""); err != nil {
			t.Fatal(err)
		}
		wantReason(t, mustFailReq(f, serverRequest("GET", r3.URL.String(), r3.Header, "")), ReasonTimeTooSkewed)
	}
}

// TestPresignedWindowsAtTheExtremes: presigned windows, decided by
// lifetime with times compared, hold at the ends of the range too.
func TestPresignedWindowsAtTheExtremes(t *testing.T) {
	long := sigv4.Credentials{AccessKeyID: longKey, SecretAccessKey: secret.New(longSec)}
	f := newFixture()
	wantReason(t, mustFail(f, presign(t, long, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Hour)), ReasonRequestNotYetValid)
	wantReason(t, mustFail(f, presign(t, long, time.Date(2340, 1, 1, 0, 0, 0, 0, time.UTC), 7*24*time.Hour)), ReasonRequestNotYetValid)
	wantReason(t, mustFail(f, presign(t, long, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), 7*24*time.Hour)), ReasonRequestExpired)

	// SigV2's Expires is absolute epoch seconds, any int64.
	for _, c := range []struct {
		expires int64
		valid   bool
	}{
		{math.MaxInt64, true},
		{253402300799, true}, // 9999-12-31T23:59:59Z
		{t0.Unix() + 1, true},
		{t0.Unix(), false},
		{0, false},
		{-1, false},
		{math.MinInt64, false},
	} {
		u := "http://127.0.0.1:9000/bucket/key.txt"
		sts := "GET\n\n\n" + strconv.FormatInt(c.expires, 10) + "\n/bucket/key.txt"
		u += "?AWSAccessKeyId=" + longKey + "&Expires=" + strconv.FormatInt(c.expires, 10) + "&Signature=" + url.QueryEscape(sigv2.Sign(secret.New(longSec), sts))
		res, err := f.auth.Authenticate(serverRequest("GET", u, nil, ""), "")
		if c.valid && err != nil {
			t.Errorf("Expires=%d: %v", c.expires, err)
		}
		if !c.valid {
			if err == nil {
				t.Errorf("Expires=%d: accepted, deadline %s", c.expires, res.Deadline)
			} else {
				wantReason(t, err, ReasonRequestExpired)
			}
		}
	}
}

// TestSessionExpiryAtTheExtremes: a session's end is compared as a time.
func TestSessionExpiryAtTheExtremes(t *testing.T) {
	for _, c := range []struct {
		expiry time.Time
		alive  bool
	}{
		{maxTime, true},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), true},
		{t0.Add(time.Nanosecond), true},
		{t0, false},
		{minTime, false},
	} {
		f := sessionAlive(&Credential{Expiry: c.expiry}, "token", t0)
		if (f == nil) != c.alive {
			t.Errorf("expiry %s: alive %v, want %v", c.expiry, f == nil, c.alive)
		}
	}
}
