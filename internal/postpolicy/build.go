package postpolicy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// ExpirationFormat is how a signer writes a policy's expiration: ISO 8601
// in UTC with milliseconds, as AWS's documentation does.
const ExpirationFormat = "2006-01-02T15:04:05.000Z"

// Eq is an exact condition written as S3's simple form, {"field": "value"}.
func Eq(field, value string) Condition {
	c := Condition{Op: OpEq, Field: strings.ToLower(field), Name: "$" + field, Value: value, Simple: true, holdable: true}
	c.rendered = "[" + quote("eq") + ", " + quote(c.Name) + ", " + quote(value) + "]"
	return c
}

// StartsWith is a starts-with condition: field must begin with prefix.
func StartsWith(field, prefix string) Condition {
	c := Condition{Op: OpStartsWith, Field: strings.ToLower(field), Name: "$" + field, Value: prefix, holdable: true}
	c.rendered = "[" + quote(string(OpStartsWith)) + ", " + quote(c.Name) + ", " + quote(prefix) + "]"
	return c
}

// LengthRange is a content-length-range condition, inclusive bounds.
func LengthRange(min, max int64) Condition {
	c := Condition{Op: OpContentLengthRange, Min: min, Max: max, holdable: true}
	c.rendered = "[" + quote(string(OpContentLengthRange)) + ", " + strconv.FormatInt(min, 10) + ", " + strconv.FormatInt(max, 10) + "]"
	return c
}

// New is a policy to sign: expiration (kept to the millisecond, as it is
// written) and conditions in the order the document lists them.
func New(expiration time.Time, conds ...Condition) *Policy {
	p := &Policy{Expiration: expiration.UTC().Truncate(time.Millisecond), Conditions: conds}
	p.ExpirationText = p.Expiration.Format(ExpirationFormat)
	p.pinSigner()
	return p
}

// Add appends conditions, keeping the pinned signing fields current.
func (p *Policy) Add(conds ...Condition) {
	p.Conditions = append(p.Conditions, conds...)
	p.pinSigner()
}

// MarshalJSON writes the condition as a policy document holds it: a simple
// condition as {"field": "value"}, the others as arrays (the field as the
// policy spells it, "$" included). Parse reads every form back.
func (c Condition) MarshalJSON() ([]byte, error) {
	switch {
	case c.Simple:
		var b bytes.Buffer
		b.WriteByte('{')
		b.Write(plainJSON(strings.TrimPrefix(c.Name, "$")))
		b.WriteByte(':')
		b.Write(plainJSON(c.Value))
		b.WriteByte('}')
		return b.Bytes(), nil
	case c.Op == OpContentLengthRange:
		return []byte("[" + string(plainJSON(string(c.Op))) + "," + strconv.FormatInt(c.Min, 10) + "," + strconv.FormatInt(c.Max, 10) + "]"), nil
	}
	return []byte("[" + string(plainJSON(string(c.Op))) + "," + string(plainJSON(c.Name)) + "," + string(plainJSON(c.Value)) + "]"), nil
}

// Document is the policy's JSON, the text whose base64 (Encode) is the
// form's policy field and the string its signature signs.
func (p *Policy) Document() ([]byte, error) {
	conds := p.Conditions
	if conds == nil {
		conds = []Condition{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the signed text reads as people wrote it
	err := enc.Encode(struct {
		Expiration string      `json:"expiration"`
		Conditions []Condition `json:"conditions"`
	}{p.ExpirationText, conds})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// plainJSON is a JSON string without HTML escaping.
func plainJSON(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
