package postpolicy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Parse reads a policy document (JSON). Its messages are S3's: the
// document is strict JSON, "expiration" and "conditions" are its only
// members (case-sensitive), and each condition is an object with one
// string property or an array naming its operation (case-insensitive).
func Parse(doc []byte) (*Policy, error) {
	if !json.Valid(doc) {
		return nil, invalid("Invalid JSON.")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil || top == nil {
		return nil, invalid("Invalid JSON.")
	}
	// An unknown member is named first, in document order, as S3 names
	// an IAM policy's members when one is sent by mistake.
	if name := firstUnknownMember(doc); name != "" {
		return nil, invalid("Unexpected: '" + strings.ToLower(name) + "'")
	}
	rawExp, ok := top["expiration"]
	if !ok {
		return nil, invalid("Policy missing expiration.")
	}
	rawConds, ok := top["conditions"]
	if !ok {
		return nil, invalid("Policy missing conditions.")
	}
	p := &Policy{}
	var exp string
	if err := json.Unmarshal(rawExp, &exp); err != nil {
		return nil, invalid("Invalid 'expiration' value: '" + string(rawExp) + "'")
	}
	t, ok := parseExpiration(exp)
	if !ok {
		return nil, invalid("Invalid 'expiration' value: '" + exp + "'")
	}
	p.Expiration, p.ExpirationText = t, exp
	var items []json.RawMessage
	if err := json.Unmarshal(rawConds, &items); err != nil || items == nil {
		return nil, invalid("Invalid 'conditions' value: must be a List.")
	}
	for _, item := range items {
		c, err := parseCondition(item)
		if err != nil {
			return nil, err
		}
		p.Conditions = append(p.Conditions, c)
	}
	p.pinSigner()
	return p, nil
}

// firstUnknownMember returns the first top-level member other than
// expiration and conditions, or "". doc is valid JSON with an object at
// the top.
func firstUnknownMember(doc []byte) string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil { // "{"
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := tok.(string)
		if name != "expiration" && name != "conditions" {
			return name
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

func parseCondition(item json.RawMessage) (Condition, error) {
	trimmed := bytes.TrimLeft(item, " \t\r\n")
	if len(trimmed) == 0 {
		return Condition{}, invalid("Invalid JSON.")
	}
	switch trimmed[0] {
	case '{':
		return parseSimple(trimmed)
	case '[':
		return parseArray(trimmed)
	}
	return Condition{}, invalid("Invalid condition test: must be a List or Object.")
}

// parseSimple reads {"field": "value"}: exactly one property, a string.
func parseSimple(obj []byte) (Condition, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	_, _ = dec.Token() // "{"
	var name string
	var raw json.RawMessage
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Condition{}, invalid("Invalid JSON.")
		}
		name, _ = tok.(string)
		if err := dec.Decode(&raw); err != nil {
			return Condition{}, invalid("Invalid JSON.")
		}
		n++
	}
	if n != 1 {
		return Condition{}, invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
	}
	value, err := stringOperand(raw, "Invalid Simple-Condition: value must be a string.")
	if err != nil {
		return Condition{}, err
	}
	c := Condition{Op: OpEq, Field: strings.ToLower(name), Name: "$" + name, Value: value, Simple: true, holdable: true}
	c.rendered = "[" + quote("eq") + ", " + quote(c.Name) + ", " + quote(value) + "]"
	return c, nil
}

// stringOperand decodes a JSON string; null is not JSON S3 accepts here,
// any other type gets notString.
func stringOperand(raw json.RawMessage, notString string) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return "", invalid("Invalid JSON.")
	}
	if t[0] != '"' {
		return "", invalid(notString)
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return "", invalid("Invalid JSON.")
	}
	return s, nil
}

// parseArray reads ["op", …]: eq and starts-with take a "$field" and a
// string, content-length-range two integers (or strings holding them).
func parseArray(arr []byte) (Condition, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(arr, &items); err != nil {
		return Condition{}, invalid("Invalid JSON.")
	}
	if len(items) == 0 {
		return Condition{}, invalid("Invalid Condition: missing operation identifier.")
	}
	opName, err := stringOperand(items[0], "Invalid Condition: missing operation identifier.")
	if err != nil {
		return Condition{}, err
	}
	op := Op(strings.ToLower(opName))
	switch op {
	case OpEq, OpStartsWith, OpContentLengthRange:
	default:
		return Condition{}, invalid("Invalid Condition: unknown operation '" + opName + "'.")
	}
	if len(items) != 3 {
		return Condition{}, invalid("Invalid " + string(op) + ": wrong number of arguments.")
	}
	if op == OpContentLengthRange {
		return parseRange(items[1], items[2])
	}
	name, err := stringOperand(items[1], "Invalid JSON.")
	if err != nil {
		return Condition{}, err
	}
	value, err := stringOperand(items[2], "Invalid JSON.")
	if err != nil {
		return Condition{}, err
	}
	c := Condition{Op: op, Name: name, Value: value}
	if field, ok := strings.CutPrefix(name, "$"); ok {
		c.Field, c.holdable = strings.ToLower(field), true
	}
	c.rendered = "[" + quote(string(op)) + ", " + quote(name) + ", " + quote(value) + "]"
	return c, nil
}

// parseRange reads content-length-range's bounds: JSON integers, or
// strings that hold integers. A fraction is not JSON S3 accepts; a string
// that is no integer parses, but the condition never holds.
func parseRange(lo, hi json.RawMessage) (Condition, error) {
	c := Condition{Op: OpContentLengthRange, holdable: true}
	var texts [2]string
	for i, raw := range []json.RawMessage{lo, hi} {
		t := bytes.TrimSpace(raw)
		var n int64
		switch {
		case len(t) > 0 && t[0] == '"':
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return Condition{}, invalid("Invalid JSON.")
			}
			texts[i] = quote(s)
			v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				c.holdable = false
			}
			n = v
		case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
			v, err := strconv.ParseInt(string(t), 10, 64)
			if err != nil {
				// 512.0, 1e6 or an integer beyond int64.
				return Condition{}, invalid("Invalid JSON.")
			}
			texts[i], n = string(t), v
		default:
			return Condition{}, invalid("Invalid JSON.")
		}
		if i == 0 {
			c.Min = n
		} else {
			c.Max = n
		}
	}
	c.rendered = "[" + quote(string(OpContentLengthRange)) + ", " + texts[0] + ", " + texts[1] + "]"
	return c, nil
}

// pinSigner records the signing fields the policy pins exactly.
func (p *Policy) pinSigner() {
	p.Credential, _ = p.Exact("x-amz-credential")
	p.Algorithm, _ = p.Exact("x-amz-algorithm")
	p.Date, _ = p.Exact("x-amz-date")
	p.SecurityToken, _ = p.Exact("x-amz-security-token")
}
