// Package lifecycle owns a bucket's lifecycle configuration as S3 defines
// it: the LifecycleConfiguration document (its schema and S3's validation
// rules), its canonical form, and when each rule's action falls due for an
// object, a noncurrent version, a delete marker or a multipart upload. It
// knows no HTTP and no store: the S3 API decodes and answers, the sweeper
// lists and deletes, and both ask this package what is due.
//
// It imports only the standard library.
package lifecycle

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"time"
)

// S3's limits on a lifecycle configuration (S3 User Guide, "Lifecycle
// configuration elements").
const (
	MaxRules    = 1000
	MaxIDLength = 255
	// MaxDocument bounds the request body. ASSUMED: S3 documents no size
	// limit for this document; 1000 rules of a few hundred bytes each fit.
	MaxDocument = 1 << 20
)

// Errors in the package's own words; the S3 API maps them to its codes.
var (
	// ErrMalformed: the document does not follow S3's schema (no rule, an
	// unknown element, a Status other than Enabled or Disabled, a number
	// that is not an integer, a Filter with more than one predicate,
	// Days and Date together, more than MaxRules rules).
	ErrMalformed = errors.New("lifecycle: malformed configuration")
	// ErrStorageClass: a Transition or NoncurrentVersionTransition. signet
	// has one storage class, so no class a transition names is valid.
	ErrStorageClass = errors.New("lifecycle: no storage class to transition to")
)

// ArgumentError is S3's InvalidArgument: Message is S3's sentence, Name
// and Value the argument it names ("" when S3 names none).
type ArgumentError struct{ Message, Name, Value string }

func (e *ArgumentError) Error() string { return e.Message }

// RequestError is S3's InvalidRequest, with S3's sentence.
type RequestError struct{ Message string }

func (e *RequestError) Error() string { return e.Message }

// Tag is one key/value pair a filter asks an object's tag set to hold.
type Tag struct{ Key, Value string }

// FilterForm is how a rule's filter was written, so that a GET answers
// it in the same shape (S3 echoes the legacy top-level Prefix as such).
type FilterForm int

const (
	FormLegacyPrefix FilterForm = iota // <Rule><Prefix>
	FormEmpty                          // <Filter/>: every object
	FormPrefix                         // <Filter><Prefix>
	FormTag                            // <Filter><Tag>
	FormSizeGreater                    // <Filter><ObjectSizeGreaterThan>
	FormSizeLess                       // <Filter><ObjectSizeLessThan>
	FormAnd                            // <Filter><And>
)

// Filter selects the objects a rule applies to; every member given must
// hold.
type Filter struct {
	Form   FilterForm
	Prefix string
	Tags   []Tag
	// SizeGreaterThan is -1 when not given; SizeLessThan 0.
	SizeGreaterThan int64
	SizeLessThan    int64
}

// Rule is one validated lifecycle rule. Day counts are 0 when the rule
// has no such action.
type Rule struct {
	ID      string
	Enabled bool
	Filter  Filter
	// ExpirationDays or ExpirationDate (zero when not given) expire
	// current versions; ExpiredObjectDeleteMarker removes a delete marker
	// left with no version behind it. HasExpiredObjectDeleteMarker keeps
	// an explicit false so that GET answers it.
	ExpirationDays               int
	ExpirationDate               time.Time
	ExpiredObjectDeleteMarker    bool
	HasExpiredObjectDeleteMarker bool
	// AbortDays is DaysAfterInitiation of AbortIncompleteMultipartUpload.
	AbortDays int
	// NoncurrentDays and NewerNoncurrentVersions (0 when not given) of
	// NoncurrentVersionExpiration.
	NoncurrentDays          int
	NewerNoncurrentVersions int
}

// Config is a validated lifecycle configuration: 1 to MaxRules rules
// with distinct IDs.
type Config struct {
	Rules []Rule
}

// Document is the wire shape of LifecycleConfiguration, for decoding a
// request body and encoding GetBucketLifecycleConfiguration's answer.
// Elements S3's schema does not have land in Other, so that they refuse
// the document rather than vanish. Numbers are kept as text so that a
// value that is no integer (MalformedXML) is told from one out of range
// (InvalidArgument).
type Document struct {
	XMLName xml.Name       `xml:"LifecycleConfiguration"`
	NS      string         `xml:"xmlns,attr,omitempty"`
	Rules   []DocumentRule `xml:"Rule"`
	Other   []unknown      `xml:",any"`
}

// DocumentRule is one <Rule>, in the order of S3's model.
type DocumentRule struct {
	Expiration                     []DocExpiration `xml:"Expiration"`
	ID                             []string        `xml:"ID"`
	Prefix                         []string        `xml:"Prefix"`
	Filter                         []DocFilter     `xml:"Filter"`
	Status                         []string        `xml:"Status"`
	Transitions                    []unknown       `xml:"Transition"`
	NoncurrentVersionTransitions   []unknown       `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration    []DocNoncurrent `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload []DocAbort      `xml:"AbortIncompleteMultipartUpload"`
	Other                          []unknown       `xml:",any"`
}

// DocExpiration is <Expiration>.
type DocExpiration struct {
	Date                      []string  `xml:"Date"`
	Days                      []string  `xml:"Days"`
	ExpiredObjectDeleteMarker []string  `xml:"ExpiredObjectDeleteMarker"`
	Other                     []unknown `xml:",any"`
}

// DocFilter is <Filter>: at most one predicate.
type DocFilter struct {
	Prefix                []string  `xml:"Prefix"`
	Tag                   []DocTag  `xml:"Tag"`
	ObjectSizeGreaterThan []string  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    []string  `xml:"ObjectSizeLessThan"`
	And                   []DocAnd  `xml:"And"`
	Other                 []unknown `xml:",any"`
}

// DocAnd is <And>: predicates that must all hold.
type DocAnd struct {
	Prefix                []string  `xml:"Prefix"`
	Tags                  []DocTag  `xml:"Tag"`
	ObjectSizeGreaterThan []string  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    []string  `xml:"ObjectSizeLessThan"`
	Other                 []unknown `xml:",any"`
}

// DocTag is <Tag>.
type DocTag struct {
	Key   []string  `xml:"Key"`
	Value []string  `xml:"Value"`
	Other []unknown `xml:",any"`
}

// DocNoncurrent is <NoncurrentVersionExpiration>.
type DocNoncurrent struct {
	NoncurrentDays          []string  `xml:"NoncurrentDays"`
	NewerNoncurrentVersions []string  `xml:"NewerNoncurrentVersions"`
	Other                   []unknown `xml:",any"`
}

// DocAbort is <AbortIncompleteMultipartUpload>.
type DocAbort struct {
	DaysAfterInitiation []string  `xml:"DaysAfterInitiation"`
	Other               []unknown `xml:",any"`
}

type unknown struct {
	XMLName xml.Name
}

// Validate turns a decoded document into a Config with S3's checks: the
// schema first, for the whole document (ErrMalformed), then rule by rule
// its values (*ArgumentError, *RequestError, ErrStorageClass) and whether
// an earlier rule has its ID. Rules without an ID keep "" (see FillIDs).
func Validate(d *Document) (*Config, error) {
	if len(d.Other) > 0 || len(d.Rules) == 0 || len(d.Rules) > MaxRules {
		// ASSUMED: S3 documents the 1000-rule limit but not its error;
		// the schema's bound is MalformedXML.
		return nil, ErrMalformed
	}
	for _, dr := range d.Rules {
		if !wellFormed(dr) {
			return nil, ErrMalformed
		}
	}
	cfg := &Config{Rules: make([]Rule, 0, len(d.Rules))}
	seen := make(map[string]bool, len(d.Rules))
	for _, dr := range d.Rules {
		r, err := validateRule(dr)
		if err != nil {
			return nil, err
		}
		if r.ID != "" && seen[r.ID] {
			return nil, &ArgumentError{Message: "Rule ID must be unique. Found same ID for more than one rule", Name: "ID", Value: r.ID}
		}
		seen[r.ID] = true
		cfg.Rules = append(cfg.Rules, r)
	}
	return cfg, nil
}

// wellFormed checks a rule against the schema alone: each element at most
// once, no unknown element, a Status, exactly one of Filter and the
// legacy Prefix, one predicate per Filter.
func wellFormed(dr DocumentRule) bool {
	if len(dr.Other) > 0 || len(dr.ID) > 1 || len(dr.Status) != 1 || len(dr.Expiration) > 1 ||
		len(dr.NoncurrentVersionExpiration) > 1 || len(dr.AbortIncompleteMultipartUpload) > 1 ||
		len(dr.Prefix)+len(dr.Filter) != 1 {
		return false
	}
	if s := dr.Status[0]; s != "Enabled" && s != "Disabled" {
		return false
	}
	for _, e := range dr.Expiration {
		given := len(e.Days) + len(e.Date) + len(e.ExpiredObjectDeleteMarker)
		// ASSUMED: Days, Date and ExpiredObjectDeleteMarker are a
		// choice in S3's model; more than one is MalformedXML.
		if len(e.Other) > 0 || given != 1 {
			return false
		}
	}
	for _, n := range dr.NoncurrentVersionExpiration {
		if len(n.Other) > 0 || len(n.NoncurrentDays) != 1 || len(n.NewerNoncurrentVersions) > 1 {
			return false
		}
	}
	for _, a := range dr.AbortIncompleteMultipartUpload {
		if len(a.Other) > 0 || len(a.DaysAfterInitiation) != 1 {
			return false
		}
	}
	for _, f := range dr.Filter {
		if !wellFormedFilter(f) {
			return false
		}
	}
	return true
}

func wellFormedFilter(f DocFilter) bool {
	n := len(f.Prefix) + len(f.Tag) + len(f.ObjectSizeGreaterThan) + len(f.ObjectSizeLessThan) + len(f.And)
	if len(f.Other) > 0 || n > 1 {
		return false
	}
	for _, t := range f.Tag {
		if !wellFormedTag(t) {
			return false
		}
	}
	for _, a := range f.And {
		// ASSUMED: an empty And is outside the schema.
		if len(a.Other) > 0 || len(a.Prefix) > 1 || len(a.ObjectSizeGreaterThan) > 1 || len(a.ObjectSizeLessThan) > 1 ||
			len(a.Prefix)+len(a.Tags)+len(a.ObjectSizeGreaterThan)+len(a.ObjectSizeLessThan) == 0 {
			return false
		}
		for _, t := range a.Tags {
			if !wellFormedTag(t) {
				return false
			}
		}
	}
	return true
}

func wellFormedTag(t DocTag) bool {
	return len(t.Other) == 0 && len(t.Key) == 1 && len(t.Value) == 1
}

// validateRule reads one well-formed rule's values.
func validateRule(dr DocumentRule) (Rule, error) {
	r := Rule{Enabled: dr.Status[0] == "Enabled"}
	if len(dr.ID) == 1 {
		if len([]rune(dr.ID[0])) > MaxIDLength {
			return Rule{}, &ArgumentError{Message: "ID length should not exceed allowed limit of 255", Name: "ID", Value: dr.ID[0]}
		}
		r.ID = dr.ID[0]
	}
	if len(dr.Transitions) > 0 || len(dr.NoncurrentVersionTransitions) > 0 {
		return Rule{}, ErrStorageClass
	}
	var err error
	if r.Filter, err = readFilter(dr); err != nil {
		return Rule{}, err
	}
	for _, e := range dr.Expiration {
		if err := readExpiration(e, &r); err != nil {
			return Rule{}, err
		}
	}
	for _, n := range dr.NoncurrentVersionExpiration {
		if r.NoncurrentDays, err = positive(n.NoncurrentDays[0], "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"); err != nil {
			return Rule{}, err
		}
		if len(n.NewerNoncurrentVersions) == 1 {
			// ASSUMED: S3's sentence for a NewerNoncurrentVersions
			// below 1 follows the one for NoncurrentDays.
			if r.NewerNoncurrentVersions, err = positive(n.NewerNoncurrentVersions[0], "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer"); err != nil {
				return Rule{}, err
			}
		}
	}
	for _, a := range dr.AbortIncompleteMultipartUpload {
		if r.AbortDays, err = positive(a.DaysAfterInitiation[0], "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"); err != nil {
			return Rule{}, err
		}
	}
	return r, checkActions(r)
}

// checkActions applies S3's rules across a rule's filter and actions.
func checkActions(r Rule) error {
	hasExpiry := r.ExpirationDays > 0 || !r.ExpirationDate.IsZero() || r.HasExpiredObjectDeleteMarker
	if !hasExpiry && r.AbortDays == 0 && r.NoncurrentDays == 0 {
		return &RequestError{Message: "At least one action needs to be specified in a rule"}
	}
	// Uploads and delete markers have no tags (and uploads no size yet),
	// so S3 refuses these actions under such filters.
	if len(r.Filter.Tags) > 0 {
		if r.AbortDays > 0 {
			return &RequestError{Message: "AbortIncompleteMultipartUpload cannot be specified with Tags."}
		}
		if r.HasExpiredObjectDeleteMarker {
			return &RequestError{Message: "ExpiredObjectDeleteMarker cannot be specified with Tags."}
		}
	}
	if r.AbortDays > 0 && (r.Filter.SizeGreaterThan >= 0 || r.Filter.SizeLessThan > 0) {
		// ASSUMED: S3's sentence for an object size filter follows the
		// one for tags.
		return &RequestError{Message: "AbortIncompleteMultipartUpload cannot be specified with an object size filter."}
	}
	return nil
}

// readFilter reads the rule's Filter or legacy Prefix.
func readFilter(dr DocumentRule) (Filter, error) {
	f := Filter{SizeGreaterThan: -1}
	if len(dr.Prefix) == 1 {
		f.Form, f.Prefix = FormLegacyPrefix, dr.Prefix[0]
		return f, nil
	}
	df := dr.Filter[0]
	var err error
	switch {
	case len(df.Prefix) == 1:
		f.Form, f.Prefix = FormPrefix, df.Prefix[0]
	case len(df.Tag) == 1:
		f.Form, f.Tags = FormTag, []Tag{{df.Tag[0].Key[0], df.Tag[0].Value[0]}}
	case len(df.ObjectSizeGreaterThan) == 1:
		f.Form = FormSizeGreater
		f.SizeGreaterThan, err = size(df.ObjectSizeGreaterThan[0], 0)
	case len(df.ObjectSizeLessThan) == 1:
		f.Form = FormSizeLess
		f.SizeLessThan, err = size(df.ObjectSizeLessThan[0], 1)
	case len(df.And) == 1:
		f.Form, err = FormAnd, readAnd(df.And[0], &f)
	default:
		f.Form = FormEmpty
	}
	return f, err
}

func readAnd(a DocAnd, f *Filter) error {
	if len(a.Prefix) == 1 {
		f.Prefix = a.Prefix[0]
	}
	for _, t := range a.Tags {
		f.Tags = append(f.Tags, Tag{t.Key[0], t.Value[0]})
	}
	var err error
	if len(a.ObjectSizeGreaterThan) == 1 {
		if f.SizeGreaterThan, err = size(a.ObjectSizeGreaterThan[0], 0); err != nil {
			return err
		}
	}
	if len(a.ObjectSizeLessThan) == 1 {
		if f.SizeLessThan, err = size(a.ObjectSizeLessThan[0], 1); err != nil {
			return err
		}
	}
	if f.SizeLessThan > 0 && f.SizeGreaterThan >= f.SizeLessThan {
		// ASSUMED: S3's wording for an empty size range.
		return &ArgumentError{Message: "ObjectSizeGreaterThan must be less than ObjectSizeLessThan"}
	}
	return nil
}

// size reads an object size bound of at least min bytes.
func size(s string, min int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, ErrMalformed
	}
	if n < min {
		// ASSUMED: a negative (or, for LessThan, zero) bound is
		// InvalidArgument with this sentence.
		return 0, &ArgumentError{Message: "Object size filters must be non-negative, and ObjectSizeLessThan positive"}
	}
	return n, nil
}

func readExpiration(e DocExpiration, r *Rule) error {
	var err error
	switch {
	case len(e.Days) == 1:
		r.ExpirationDays, err = positive(e.Days[0], "'Days' for Expiration action must be a positive integer")
	case len(e.Date) == 1:
		r.ExpirationDate, err = midnight(e.Date[0])
	default:
		r.HasExpiredObjectDeleteMarker = true
		switch strings.TrimSpace(e.ExpiredObjectDeleteMarker[0]) {
		case "true":
			r.ExpiredObjectDeleteMarker = true
		case "false":
		default:
			return ErrMalformed
		}
	}
	return err
}

// positive reads a day count: not an integer is MalformedXML, below 1
// InvalidArgument with S3's sentence msg.
func positive(s, msg string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, ErrMalformed
	}
	if n < 1 {
		return 0, &ArgumentError{Message: msg}
	}
	return int(n), nil
}

// midnight reads an Expiration Date: an ISO 8601 time that S3 accepts
// only at midnight UTC.
func midnight(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// S3 also takes a date-time without a zone, read as UTC.
		if t, err = time.Parse("2006-01-02T15:04:05", s); err != nil {
			return time.Time{}, ErrMalformed
		}
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return time.Time{}, &ArgumentError{Message: "'Date' must be at midnight GMT"}
	}
	return t, nil
}

// FillIDs gives each rule without an ID one from newID, as S3 names such
// rules itself. newID must not return an ID already in use.
func (c *Config) FillIDs(newID func() string) {
	for i := range c.Rules {
		if c.Rules[i].ID == "" {
			c.Rules[i].ID = newID()
		}
	}
}
