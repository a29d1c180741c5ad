package lifecycle

import (
	"slices"
	"strings"
	"time"
)

// day is the unit of every lifecycle rule.
const day = 24 * time.Hour

// NextMidnight is when an action counted in days from t falls due: S3
// adds the days to the object's creation time and rounds "up to the next
// day at midnight UTC" (S3 User Guide, "Lifecycle rules: based on an
// object's age"), so an object created 2014-01-15T10:30Z with Days 3
// expires 2014-01-19T00:00Z. A time already at midnight still moves on
// to the next one, as the documented rule reads.
func NextMidnight(t time.Time) time.Time {
	// Truncate counts from the zero time, which is a UTC midnight, so
	// this is the UTC day's start whatever t's location.
	return t.UTC().Truncate(day).Add(day)
}

// Object is what a filter looks at: the key, the size and the tag set.
type Object struct {
	Key  string
	Size int64
	Tags []Tag
}

// Matches reports whether the filter selects o.
func (f Filter) Matches(o Object) bool {
	if !strings.HasPrefix(o.Key, f.Prefix) {
		return false
	}
	if f.SizeGreaterThan >= 0 && o.Size <= f.SizeGreaterThan {
		return false
	}
	if f.SizeLessThan > 0 && o.Size >= f.SizeLessThan {
		return false
	}
	for _, want := range f.Tags {
		if !hasTag(o.Tags, want) {
			return false
		}
	}
	return true
}

func hasTag(tags []Tag, want Tag) bool {
	for _, t := range tags {
		if t == want {
			return true
		}
	}
	return false
}

// Expiry is when the current version o, last modified at modified,
// expires, and by which rule: the earliest of the enabled rules that
// select it. ok is false when none does.
func (c *Config) Expiry(o Object, modified time.Time) (at time.Time, ruleID string, ok bool) {
	for _, r := range c.Rules {
		if !r.Enabled || !r.Filter.Matches(o) {
			continue
		}
		var due time.Time
		switch {
		case r.ExpirationDays > 0:
			due = NextMidnight(modified.Add(time.Duration(r.ExpirationDays) * day))
		case !r.ExpirationDate.IsZero():
			due = r.ExpirationDate
		default:
			continue
		}
		if !ok || due.Before(at) {
			at, ruleID, ok = due, r.ID, true
		}
	}
	return at, ruleID, ok
}

// AbortDue is when an upload of key initiated at initiated is aborted,
// and by which rule.
func (c *Config) AbortDue(key string, initiated time.Time) (at time.Time, ruleID string, ok bool) {
	for _, r := range c.Rules {
		if !r.Enabled || r.AbortDays == 0 || !strings.HasPrefix(key, r.Filter.Prefix) {
			continue
		}
		due := NextMidnight(initiated.Add(time.Duration(r.AbortDays) * day))
		if !ok || due.Before(at) {
			at, ruleID, ok = due, r.ID, true
		}
	}
	return at, ruleID, ok
}

// NoncurrentExpired reports whether a noncurrent version o, noncurrent
// since since (when the version after it was written), with newer
// noncurrent versions newer of its key above it, is due at now: its
// days as a noncurrent version have passed (rounded as Expiry rounds)
// and, when the rule keeps some, at least NewerNoncurrentVersions newer
// noncurrent versions remain.
func (c *Config) NoncurrentExpired(o Object, since time.Time, newer int, now time.Time) bool {
	for _, r := range c.Rules {
		if !r.Enabled || r.NoncurrentDays == 0 || !r.Filter.Matches(o) {
			continue
		}
		if newer < r.NewerNoncurrentVersions {
			continue
		}
		if !now.Before(NextMidnight(since.Add(time.Duration(r.NoncurrentDays) * day))) {
			return true
		}
	}
	return false
}

// RemovesExpiredDeleteMarker reports whether an enabled rule removes a
// delete marker on key that no version lies behind.
func (c *Config) RemovesExpiredDeleteMarker(key string) bool {
	for _, r := range c.Rules {
		if r.Enabled && r.ExpiredObjectDeleteMarker && r.Filter.Matches(Object{Key: key}) {
			return true
		}
	}
	return false
}

// Kinds of work a sweep does, for Prefixes.
const (
	Uploads  = iota // AbortIncompleteMultipartUpload
	Current         // Expiration by Days or Date
	Versions        // NoncurrentVersionExpiration, ExpiredObjectDeleteMarker
)

// Prefixes returns the key prefixes a sweep must list for one kind of
// work: those of the enabled rules that do it, none inside another (so no
// key is listed twice), in order. None means no rule does that work; [""]
// means every key. A sweep of a bucket whose rules name "tmp/" lists tmp/
// and not the rest of the bucket.
func (c *Config) Prefixes(kind int) []string {
	var ps []string
	for _, r := range c.Rules {
		if r.Enabled && r.does(kind) {
			ps = append(ps, r.Filter.Prefix)
		}
	}
	slices.Sort(ps)
	out := ps[:0]
	for _, p := range ps {
		if len(out) == 0 || !strings.HasPrefix(p, out[len(out)-1]) {
			out = append(out, p)
		}
	}
	return out
}

func (r Rule) does(kind int) bool {
	switch kind {
	case Uploads:
		return r.AbortDays > 0
	case Current:
		return r.ExpirationDays > 0 || !r.ExpirationDate.IsZero()
	default:
		return r.NoncurrentDays > 0 || r.ExpiredObjectDeleteMarker
	}
}
