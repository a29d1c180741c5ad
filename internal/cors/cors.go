// Package cors owns a bucket's CORS configuration as S3 defines it: the
// CORSConfiguration document (its schema and S3's validation rules), its
// canonical form, and the evaluation of a request against its rules, first
// match wins. It knows no HTTP: callers pass the Origin, the method and the
// requested header names, and write the headers Match describes.
//
// It imports only the standard library.
package cors

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
)

// S3's limits on a CORS configuration (S3 API Reference, PutBucketCors and
// CORSRule).
const (
	MaxRules    = 100
	MaxIDLength = 255
	// MaxDocument is the size limit of the document, in bytes.
	MaxDocument = 64 << 10
)

// Methods are the values AllowedMethod may take, in S3's spelling (case
// matters: S3 refuses "get").
var Methods = []string{"GET", "PUT", "HEAD", "POST", "DELETE"}

// Errors in the package's own words; the S3 API maps them to its codes.
var (
	// ErrMalformed: the document does not follow the schema (no rule, a
	// rule without an origin or a method, an unknown element, a
	// MaxAgeSeconds that is not a non-negative integer, more than
	// MaxRules rules, an ID over MaxIDLength).
	ErrMalformed = errors.New("cors: malformed configuration")
)

// UnsupportedMethodError is an AllowedMethod S3 does not know.
type UnsupportedMethodError struct{ Method string }

func (e *UnsupportedMethodError) Error() string {
	return "Found unsupported HTTP method in CORS config. Unsupported method is " + e.Method
}

// WildcardError is an AllowedOrigin or AllowedHeader with more than one
// '*'. Element is "AllowedOrigin" or "AllowedHeader".
type WildcardError struct{ Element, Value string }

func (e *WildcardError) Error() string {
	return e.Element + ` "` + e.Value + `" can not have more than one wildcard.`
}

// Rule is one CORSRule.
type Rule struct {
	ID             string
	AllowedHeaders []string
	AllowedMethods []string
	AllowedOrigins []string
	ExposeHeaders  []string
	// MaxAgeSeconds is -1 when the rule sets none.
	MaxAgeSeconds int
}

// Config is a validated CORS configuration: at least one rule, at most
// MaxRules.
type Config struct {
	Rules []Rule
}

// Document is the wire shape of CORSConfiguration, for decoding a request
// body and encoding GetBucketCors's answer. Elements of a rule that S3's
// schema does not have are caught in Other, so that they refuse the
// document rather than vanish.
type Document struct {
	XMLName xml.Name       `xml:"CORSConfiguration"`
	NS      string         `xml:"xmlns,attr,omitempty"`
	Rules   []DocumentRule `xml:"CORSRule"`
	Other   []unknown      `xml:",any"`
}

// DocumentRule is one <CORSRule>, in the order of S3's model.
type DocumentRule struct {
	ID             []string  `xml:"ID"`
	AllowedHeaders []string  `xml:"AllowedHeader"`
	AllowedMethods []string  `xml:"AllowedMethod"`
	AllowedOrigins []string  `xml:"AllowedOrigin"`
	ExposeHeaders  []string  `xml:"ExposeHeader"`
	MaxAgeSeconds  []string  `xml:"MaxAgeSeconds"`
	Other          []unknown `xml:",any"`
}

type unknown struct {
	XMLName xml.Name
}

// Validate turns a decoded document into a Config, with S3's checks in
// S3's order: the schema first (ErrMalformed), then each rule's methods
// (*UnsupportedMethodError) and wildcards (*WildcardError).
func Validate(d *Document) (*Config, error) {
	if len(d.Other) > 0 || len(d.Rules) == 0 || len(d.Rules) > MaxRules {
		return nil, ErrMalformed
	}
	cfg := &Config{Rules: make([]Rule, 0, len(d.Rules))}
	for _, dr := range d.Rules {
		r, err := validateRule(dr)
		if err != nil {
			return nil, err
		}
		cfg.Rules = append(cfg.Rules, r)
	}
	return cfg, nil
}

func validateRule(dr DocumentRule) (Rule, error) {
	if len(dr.Other) > 0 || len(dr.AllowedMethods) == 0 || len(dr.AllowedOrigins) == 0 ||
		len(dr.ID) > 1 || len(dr.MaxAgeSeconds) > 1 {
		return Rule{}, ErrMalformed
	}
	r := Rule{
		AllowedHeaders: dr.AllowedHeaders, AllowedMethods: dr.AllowedMethods,
		AllowedOrigins: dr.AllowedOrigins, ExposeHeaders: dr.ExposeHeaders, MaxAgeSeconds: -1,
	}
	if len(dr.ID) == 1 {
		// ASSUMED: S3 documents the 255-character limit but not its
		// error; a value outside the schema's bounds is MalformedXML.
		if len([]rune(dr.ID[0])) > MaxIDLength {
			return Rule{}, ErrMalformed
		}
		r.ID = dr.ID[0]
	}
	if len(dr.MaxAgeSeconds) == 1 {
		n, err := strconv.Atoi(strings.TrimSpace(dr.MaxAgeSeconds[0]))
		if err != nil || n < 0 {
			return Rule{}, ErrMalformed
		}
		r.MaxAgeSeconds = n
	}
	for _, m := range r.AllowedMethods {
		if !IsMethod(m) {
			return Rule{}, &UnsupportedMethodError{Method: m}
		}
	}
	for _, o := range r.AllowedOrigins {
		if strings.Count(o, "*") > 1 {
			return Rule{}, &WildcardError{Element: "AllowedOrigin", Value: o}
		}
	}
	for _, h := range r.AllowedHeaders {
		if strings.Count(h, "*") > 1 {
			return Rule{}, &WildcardError{Element: "AllowedHeader", Value: h}
		}
	}
	return r, nil
}

// IsMethod reports whether m is one of Methods, exactly: what
// AllowedMethod may hold, and so what a preflight may ask about.
func IsMethod(m string) bool {
	for _, x := range Methods {
		if m == x {
			return true
		}
	}
	return false
}

// Document renders cfg as GetBucketCors answers it: every member the rule
// set, in the model's order, lists in the order they were put.
func (c *Config) Document(ns string) *Document {
	d := &Document{NS: ns, Rules: make([]DocumentRule, 0, len(c.Rules))}
	for _, r := range c.Rules {
		dr := DocumentRule{
			AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders,
		}
		if r.ID != "" {
			dr.ID = []string{r.ID}
		}
		if r.MaxAgeSeconds >= 0 {
			dr.MaxAgeSeconds = []string{strconv.Itoa(r.MaxAgeSeconds)}
		}
		d.Rules = append(d.Rules, dr)
	}
	return d
}

// Marshal is cfg's canonical XML (no declaration): what a store keeps and
// Parse reads back.
func (c *Config) Marshal() (string, error) {
	b, err := xml.Marshal(c.Document(""))
	return string(b), err
}

// Parse reads a document written by Marshal (or any valid one) and
// validates it.
func Parse(doc string) (*Config, error) {
	var d Document
	if err := xml.Unmarshal([]byte(doc), &d); err != nil {
		return nil, ErrMalformed
	}
	return Validate(&d)
}
