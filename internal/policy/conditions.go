package policy

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpEqFold
	cmpLike
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setKind uint8

const (
	setNone setKind = iota
	setAny          // ForAnyValue:
	setAll          // ForAllValues:
)

// opSpec is a condition operator taken apart. A negated operator
// (StringNotEquals, NotIpAddress, ArnNotLike …) is stored as its positive
// form with neg set, because AWS defines it as the negation: true when
// no listed value matches, and true when the key is absent.
type opSpec struct {
	fam      family
	cmp      cmpKind
	neg      bool
	ifExists bool
	set      setKind
}

var baseOps = map[string]opSpec{
	"stringequals":              {fam: famString, cmp: cmpEq},
	"stringnotequals":           {fam: famString, cmp: cmpEq, neg: true},
	"stringequalsignorecase":    {fam: famString, cmp: cmpEqFold},
	"stringnotequalsignorecase": {fam: famString, cmp: cmpEqFold, neg: true},
	"stringlike":                {fam: famString, cmp: cmpLike},
	"stringnotlike":             {fam: famString, cmp: cmpLike, neg: true},
	"numericequals":             {fam: famNumeric, cmp: cmpEq},
	"numericnotequals":          {fam: famNumeric, cmp: cmpEq, neg: true},
	"numericlessthan":           {fam: famNumeric, cmp: cmpLt},
	"numericlessthanequals":     {fam: famNumeric, cmp: cmpLe},
	"numericgreaterthan":        {fam: famNumeric, cmp: cmpGt},
	"numericgreaterthanequals":  {fam: famNumeric, cmp: cmpGe},
	"dateequals":                {fam: famDate, cmp: cmpEq},
	"datenotequals":             {fam: famDate, cmp: cmpEq, neg: true},
	"datelessthan":              {fam: famDate, cmp: cmpLt},
	"datelessthanequals":        {fam: famDate, cmp: cmpLe},
	"dategreaterthan":           {fam: famDate, cmp: cmpGt},
	"dategreaterthanequals":     {fam: famDate, cmp: cmpGe},
	"bool":                      {fam: famBool, cmp: cmpEq},
	"binaryequals":              {fam: famBinary, cmp: cmpEq},
	"ipaddress":                 {fam: famIP, cmp: cmpEq},
	"notipaddress":              {fam: famIP, cmp: cmpEq, neg: true},
	"arnequals":                 {fam: famArn, cmp: cmpLike},
	"arnlike":                   {fam: famArn, cmp: cmpLike},
	"arnnotequals":              {fam: famArn, cmp: cmpLike, neg: true},
	"arnnotlike":                {fam: famArn, cmp: cmpLike, neg: true},
	"null":                      {fam: famNull, cmp: cmpEq},
}

// parseOp accepts operator names case-insensitively, with an optional
// ForAnyValue:/ForAllValues: prefix and an IfExists suffix (not on Null).
func parseOp(name string) (opSpec, bool) {
	s := strings.ToLower(name)
	var set setKind
	switch {
	case strings.HasPrefix(s, "forallvalues:"):
		set, s = setAll, s[len("forallvalues:"):]
	case strings.HasPrefix(s, "foranyvalue:"):
		set, s = setAny, s[len("foranyvalue:"):]
	}
	ifExists := false
	if strings.HasSuffix(s, "ifexists") {
		ifExists, s = true, s[:len(s)-len("ifexists")]
	}
	op, ok := baseOps[s]
	if !ok || ifExists && op.fam == famNull {
		return opSpec{}, false
	}
	op.set, op.ifExists = set, ifExists
	return op, true
}

// condition is one operator applied to one key, with its values parsed
// and compiled for the operator's family.
type condition struct {
	op    opSpec
	key   string
	pats  []pattern // famString
	arns  []arnPattern
	nums  []float64
	dates []time.Time
	bools []bool // famBool; famNull: true means "the key must be absent"
	nets  []netip.Prefix
	bins  []string
}

func parseConditions(v any, kind Kind, vars bool) ([]condition, error) {
	blocks, ok := v.(*object)
	if !ok {
		return nil, errMsg(msgConditionObject)
	}
	var out []condition
	for i, opName := range blocks.keys {
		op, ok := parseOp(opName)
		if !ok {
			return nil, errf("Invalid Condition operator: %s", echo(opName))
		}
		keys, ok := blocks.vals[i].(*object)
		if !ok {
			return nil, errf("Condition operator %s must map condition keys to values.", echo(opName))
		}
		for j, key := range keys.keys {
			if vendor, _, ok := strings.Cut(key, ":"); !ok || vendor == "" {
				if kind == Resource {
					return nil, errMsg(msgS3ConditionKey)
				}
				return nil, errMsg(msgVendor)
			}
			vals, ok := conditionValues(keys.vals[j])
			if !ok {
				return nil, errf("Condition %s on %s must have a string, number or boolean value, or an array of them.", echo(opName), echo(key))
			}
			c, err := compileCondition(op, opName, key, vals, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func conditionValues(v any) ([]string, bool) {
	scalar := func(v any) (string, bool) {
		switch t := v.(type) {
		case string:
			return t, true
		case json.Number:
			return string(t), true
		case bool:
			return strconv.FormatBool(t), true
		}
		return "", false
	}
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := scalar(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := scalar(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func compileCondition(op opSpec, opName, key string, vals []string, vars bool) (condition, error) {
	c := condition{op: op, key: key}
	bad := func(val string) error {
		return errf("Invalid value %q for Condition %s on %s.", echo(val), echo(opName), echo(key))
	}
	for _, val := range vals {
		switch op.fam {
		case famString:
			// Variables are substituted in every string operator, but only
			// ...Like treats * and ? as wildcards.
			c.pats = append(c.pats, compile(val, op.cmp == cmpLike, vars, op.cmp == cmpEqFold))
		case famArn:
			c.arns = append(c.arns, compileARN(val, vars))
		case famNumeric:
			n, ok := parseNumber(val)
			if !ok {
				return c, bad(val)
			}
			c.nums = append(c.nums, n)
		case famDate:
			t, ok := parseDate(val)
			if !ok {
				return c, bad(val)
			}
			c.dates = append(c.dates, t)
		case famBool, famNull:
			b, ok := parseBool(val)
			if !ok {
				return c, bad(val)
			}
			c.bools = append(c.bools, b)
		case famBinary:
			if _, err := base64.StdEncoding.DecodeString(val); err != nil || val == "" {
				return c, bad(val)
			}
			c.bins = append(c.bins, val)
		case famIP:
			p, ok := parseCIDR(val)
			if !ok {
				return c, bad(val)
			}
			c.nets = append(c.nets, p)
		}
	}
	return c, nil
}

// eval applies the condition to the request context, following AWS: a
// missing key fails a positive operator and satisfies a negated one;
// IfExists and ForAllValues are satisfied by a missing key; ForAnyValue
// is not. A key present with no values counts as missing.
func (c *condition) eval(ctx map[string][]string) bool {
	vals := lookup(ctx, c.key)
	if c.op.fam == famNull {
		absent := len(vals) == 0
		for _, b := range c.bools {
			if b == absent {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		switch {
		case c.op.ifExists, c.op.set == setAll:
			return true
		case c.op.set == setAny:
			return false
		}
		return c.op.neg
	}
	switch c.op.set {
	case setAll:
		for _, v := range vals {
			if c.matchOne(v, ctx) == c.op.neg {
				return false
			}
		}
		return true
	case setAny:
		for _, v := range vals {
			if c.matchOne(v, ctx) != c.op.neg {
				return true
			}
		}
		return false
	}
	// Without a set qualifier a request value matching any listed value
	// satisfies a positive operator; a negated one needs none to match.
	for _, v := range vals {
		if c.matchOne(v, ctx) {
			return !c.op.neg
		}
	}
	return c.op.neg
}

// matchOne applies the positive form of the operator to one request value
// against the listed values, which are ORed.
func (c *condition) matchOne(v string, ctx map[string][]string) bool {
	switch c.op.fam {
	case famString:
		for i := range c.pats {
			if c.pats[i].match(v, ctx) {
				return true
			}
		}
	case famArn:
		for i := range c.arns {
			if c.arns[i].match(v, ctx) {
				return true
			}
		}
	case famNumeric:
		x, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, n := range c.nums {
			if compare(cmpFloat(x, n), c.op.cmp) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, d := range c.dates {
			if compare(t.Compare(d), c.op.cmp) {
				return true
			}
		}
	case famBool:
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		for _, want := range c.bools {
			if b == want {
				return true
			}
		}
	case famBinary:
		for _, want := range c.bins {
			if v == want {
				return true
			}
		}
	case famIP:
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		addr = addr.WithZone("").Unmap()
		for _, p := range c.nets {
			if p.Contains(addr) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, k cmpKind) bool {
	switch k {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return false
}

// parseNumber accepts decimal integers and decimals. Values are compared
// as float64, exact for integers up to 2^53, which covers every numeric
// key AWS and signet define.
func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false // rejects "NaN", "Inf", hex before ParseFloat allocates an error
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

var dateLayouts = []string{
	time.RFC3339Nano, // also accepts no fraction; what signet's own context holds
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z0700",
	"20060102T150405",
}

// parseDate accepts RFC 3339 and the common ISO 8601 forms (a date alone
// is midnight UTC; no zone means UTC) and epoch seconds, which AWS allows
// in date conditions (aws:EpochTime). An all-digit value is always epoch
// seconds, so the basic form 20060102 is not a date here.
func parseDate(s string) (time.Time, bool) {
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if isEpoch(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Abs(f) > 1e13 {
			return time.Time{}, false
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '-' && i == 0:
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// parseCIDR accepts a CIDR block or a bare address (a /32 or /128), IPv4
// or IPv6; an IPv4-mapped IPv6 block is stored as IPv4 so it matches the
// unmapped request address.
func parseCIDR(s string) (netip.Prefix, bool) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, false
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return p, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}
