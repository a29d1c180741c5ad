package lifecycle

import (
	"encoding/xml"
	"strconv"
)

// dateLayout is how S3 writes an Expiration Date back.
const dateLayout = "2006-01-02T15:04:05.000Z"

// Document renders cfg as GetBucketLifecycleConfiguration answers it:
// each rule's members in the model's order, its filter in the shape it
// was put.
func (c *Config) Document(ns string) *Document {
	d := &Document{NS: ns, Rules: make([]DocumentRule, 0, len(c.Rules))}
	for _, r := range c.Rules {
		d.Rules = append(d.Rules, r.document())
	}
	return d
}

func (r Rule) document() DocumentRule {
	dr := DocumentRule{Status: []string{"Disabled"}}
	if r.Enabled {
		dr.Status[0] = "Enabled"
	}
	if r.ID != "" {
		dr.ID = []string{r.ID}
	}
	switch {
	case r.ExpirationDays > 0:
		dr.Expiration = []DocExpiration{{Days: []string{strconv.Itoa(r.ExpirationDays)}}}
	case !r.ExpirationDate.IsZero():
		dr.Expiration = []DocExpiration{{Date: []string{r.ExpirationDate.UTC().Format(dateLayout)}}}
	case r.HasExpiredObjectDeleteMarker:
		dr.Expiration = []DocExpiration{{ExpiredObjectDeleteMarker: []string{strconv.FormatBool(r.ExpiredObjectDeleteMarker)}}}
	}
	if r.Filter.Form == FormLegacyPrefix {
		dr.Prefix = []string{r.Filter.Prefix}
	} else {
		dr.Filter = []DocFilter{r.Filter.document()}
	}
	if r.NoncurrentDays > 0 {
		n := DocNoncurrent{NoncurrentDays: []string{strconv.Itoa(r.NoncurrentDays)}}
		if r.NewerNoncurrentVersions > 0 {
			n.NewerNoncurrentVersions = []string{strconv.Itoa(r.NewerNoncurrentVersions)}
		}
		dr.NoncurrentVersionExpiration = []DocNoncurrent{n}
	}
	if r.AbortDays > 0 {
		dr.AbortIncompleteMultipartUpload = []DocAbort{{DaysAfterInitiation: []string{strconv.Itoa(r.AbortDays)}}}
	}
	return dr
}

func (f Filter) document() DocFilter {
	var df DocFilter
	switch f.Form {
	case FormPrefix:
		df.Prefix = []string{f.Prefix}
	case FormTag:
		df.Tag = docTags(f.Tags)
	case FormSizeGreater:
		df.ObjectSizeGreaterThan = []string{strconv.FormatInt(f.SizeGreaterThan, 10)}
	case FormSizeLess:
		df.ObjectSizeLessThan = []string{strconv.FormatInt(f.SizeLessThan, 10)}
	case FormAnd:
		a := DocAnd{Tags: docTags(f.Tags)}
		if f.Prefix != "" {
			a.Prefix = []string{f.Prefix}
		}
		if f.SizeGreaterThan >= 0 {
			a.ObjectSizeGreaterThan = []string{strconv.FormatInt(f.SizeGreaterThan, 10)}
		}
		if f.SizeLessThan > 0 {
			a.ObjectSizeLessThan = []string{strconv.FormatInt(f.SizeLessThan, 10)}
		}
		df.And = []DocAnd{a}
	}
	return df
}

func docTags(tags []Tag) []DocTag {
	out := make([]DocTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, DocTag{Key: []string{t.Key}, Value: []string{t.Value}})
	}
	return out
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
