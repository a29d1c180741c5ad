package lifetime

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func TestComputeLimits(t *testing.T) {
	cases := []struct {
		name      string
		in        Input
		effective time.Time
		limit     Limit
		shortfall time.Duration
		over      bool
	}{
		{"long-term key: URL window", Input{SignedAt: t0, Expires: time.Hour}, t0.Add(time.Hour), LimitURL, 0, false},
		{"session ends first", Input{SignedAt: t0, Expires: 7 * 24 * time.Hour, CredentialExpiry: t0.Add(12 * time.Hour)}, t0.Add(12 * time.Hour), LimitCredentials, 6*24*time.Hour + 12*time.Hour, false},
		{"session outlives URL", Input{SignedAt: t0, Expires: time.Hour, CredentialExpiry: t0.Add(2 * time.Hour)}, t0.Add(time.Hour), LimitURL, 0, false},
		{"tie goes to URL", Input{SignedAt: t0, Expires: time.Hour, CredentialExpiry: t0.Add(time.Hour)}, t0.Add(time.Hour), LimitURL, 0, false},
		{"exactly 7 days is allowed", Input{SignedAt: t0, Expires: MaxExpires}, t0.Add(MaxExpires), LimitURL, 0, false},
		{"7 days + 1s is over", Input{SignedAt: t0, Expires: MaxExpires + time.Second}, t0.Add(MaxExpires + time.Second), LimitURL, 0, true},
		{"sigv2 absolute expiry", Input{URLExpiry: t0.Add(30 * 24 * time.Hour)}, t0.Add(30 * 24 * time.Hour), LimitURL, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lt := Compute(c.in)
			if !lt.Effective.Equal(c.effective) || lt.LimitedBy != c.limit || lt.Shortfall != c.shortfall || lt.OverLimit != c.over {
				t.Fatalf("Compute = %+v; want effective %v limit %s shortfall %v over %v", lt, c.effective, c.limit, c.shortfall, c.over)
			}
		})
	}
}

// The second before and after each deadline.
func TestVerdictBoundaries(t *testing.T) {
	sec := time.Second
	url := Compute(Input{SignedAt: t0, Expires: time.Hour})
	sess := Compute(Input{SignedAt: t0, Expires: 24 * time.Hour, CredentialExpiry: t0.Add(time.Hour)})
	over := Compute(Input{SignedAt: t0, Expires: MaxExpires + sec})
	cases := []struct {
		name string
		lt   Lifetime
		now  time.Time
		want Verdict
	}{
		{"before signing", url, t0.Add(-sec), NotYetValid},
		{"at signing", url, t0, Valid},
		{"last second of window", url, t0.Add(time.Hour - sec), Valid},
		{"window end", url, t0.Add(time.Hour), URLExpired},
		{"session last second", sess, t0.Add(time.Hour - sec), Valid},
		{"session end", sess, t0.Add(time.Hour), CredentialsExpired},
		{"after both", sess, t0.Add(48 * time.Hour), CredentialsExpired},
		{"over limit at signing", over, t0, ExpiresOverLimit},
	}
	for _, c := range cases {
		if got := c.lt.At(t0, c.now); got != c.want {
			t.Errorf("%s: At = %s; want %s", c.name, got, c.want)
		}
	}
	if r := url.Remaining(t0.Add(59 * time.Minute)); r != time.Minute {
		t.Errorf("Remaining = %v; want 1m", r)
	}
	if r := url.Remaining(t0.Add(2 * time.Hour)); r != 0 {
		t.Errorf("Remaining after expiry = %v; want 0", r)
	}
}
