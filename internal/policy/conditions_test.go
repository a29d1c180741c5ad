package policy

import (
	"testing"
)

type ctxMap = map[string][]string

// condCase evaluates one Condition block on an Allow-everything identity
// statement: want says whether the condition holds.
type condCase struct {
	name string
	cond string
	ctx  ctxMap
	want bool
}

var condCases = []condCase{
	// String operators.
	{"StringEquals match", `{"StringEquals":{"s3:prefix":"home/"}}`, ctxMap{"s3:prefix": {"home/"}}, true},
	{"StringEquals is case-sensitive", `{"StringEquals":{"s3:prefix":"home/"}}`, ctxMap{"s3:prefix": {"Home/"}}, false},
	{"StringEquals missing key", `{"StringEquals":{"s3:prefix":"home/"}}`, nil, false},
	{"StringEquals values are ORed", `{"StringEquals":{"s3:prefix":["a","b"]}}`, ctxMap{"s3:prefix": {"b"}}, true},
	{"StringEquals no wildcard", `{"StringEquals":{"s3:prefix":"a*"}}`, ctxMap{"s3:prefix": {"abc"}}, false},
	{"StringEquals literal star", `{"StringEquals":{"s3:prefix":"a*"}}`, ctxMap{"s3:prefix": {"a*"}}, true},
	{"condition key case-insensitive", `{"StringEquals":{"AWS:USERNAME":"alice"}}`, ctxMap{"aws:username": {"alice"}}, true},
	{"StringEquals number value", `{"StringEquals":{"s3:max-keys":10}}`, ctxMap{"s3:max-keys": {"10"}}, true},
	{"StringNotEquals other value", `{"StringNotEquals":{"s3:prefix":["a","b"]}}`, ctxMap{"s3:prefix": {"c"}}, true},
	{"StringNotEquals listed value", `{"StringNotEquals":{"s3:prefix":["a","b"]}}`, ctxMap{"s3:prefix": {"b"}}, false},
	{"StringNotEquals missing key is true", `{"StringNotEquals":{"s3:prefix":"a"}}`, nil, true},
	{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, ctxMap{"s3:prefix": {"home/"}}, true},
	{"StringEqualsIgnoreCase differs", `{"StringEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, ctxMap{"s3:prefix": {"work/"}}, false},
	{"StringNotEqualsIgnoreCase same", `{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, ctxMap{"s3:prefix": {"home/"}}, false},
	{"StringNotEqualsIgnoreCase missing", `{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, nil, true},
	{"StringLike star", `{"StringLike":{"s3:prefix":"home/*"}}`, ctxMap{"s3:prefix": {"home/x/y"}}, true},
	{"StringLike no match", `{"StringLike":{"s3:prefix":"home/*"}}`, ctxMap{"s3:prefix": {"work/x"}}, false},
	{"StringLike question", `{"StringLike":{"s3:prefix":"v?"}}`, ctxMap{"s3:prefix": {"v1"}}, true},
	{"StringNotLike match", `{"StringNotLike":{"s3:prefix":"home/*"}}`, ctxMap{"s3:prefix": {"home/x"}}, false},
	{"StringNotLike missing", `{"StringNotLike":{"s3:prefix":"home/*"}}`, nil, true},
	{"StringLike variable", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctxMap{"aws:username": {"alice"}, "s3:prefix": {"home/alice/docs"}}, true},
	{"StringLike variable other user", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctxMap{"aws:username": {"alice"}, "s3:prefix": {"home/bob/docs"}}, false},
	{"StringLike variable unresolved", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctxMap{"s3:prefix": {"home//docs"}}, false},
	{"StringNotLike variable unresolved", `{"StringNotLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctxMap{"s3:prefix": {"home//docs"}}, true},
	{"StringEquals variable default", `{"StringEquals":{"s3:prefix":"${aws:username, 'anonymous'}"}}`, ctxMap{"s3:prefix": {"anonymous"}}, true},
	{"StringLike escape", `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctxMap{"s3:prefix": {"a*b"}}, true},
	{"StringLike escape not wildcard", `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctxMap{"s3:prefix": {"axb"}}, false},

	// Numeric.
	{"NumericGreaterThan above", `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`, ctxMap{"s3:signatureAge": {"600001"}}, true},
	{"NumericGreaterThan equal", `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`, ctxMap{"s3:signatureAge": {"600000"}}, false},
	{"NumericGreaterThan missing", `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`, nil, false},
	{"NumericGreaterThan garbage", `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`, ctxMap{"s3:signatureAge": {"lots"}}, false},
	{"NumericGreaterThanEquals equal", `{"NumericGreaterThanEquals":{"s3:max-keys":10}}`, ctxMap{"s3:max-keys": {"10"}}, true},
	{"NumericLessThan", `{"NumericLessThan":{"s3:max-keys":10}}`, ctxMap{"s3:max-keys": {"9"}}, true},
	{"NumericLessThan not", `{"NumericLessThan":{"s3:max-keys":10}}`, ctxMap{"s3:max-keys": {"10"}}, false},
	{"NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:max-keys":10}}`, ctxMap{"s3:max-keys": {"10"}}, true},
	{"NumericEquals decimal", `{"NumericEquals":{"s3:max-keys":"10"}}`, ctxMap{"s3:max-keys": {"10.0"}}, true},
	{"NumericEquals negative", `{"NumericEquals":{"s3:x":-1.5}}`, ctxMap{"s3:x": {"-1.5"}}, true},
	{"NumericNotEquals", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, ctxMap{"s3:max-keys": {"11"}}, true},
	{"NumericNotEquals missing", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, nil, true},

	// Dates.
	{"DateLessThan before", `{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:TokenIssueTime": {"2024-04-30T23:59:59Z"}}, true},
	{"DateLessThan at", `{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:TokenIssueTime": {"2024-05-01T00:00:00Z"}}, false},
	{"DateLessThan missing", `{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T00:00:00Z"}}`, nil, false},
	{"DateLessThanEquals at", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:00Z"}}, true},
	{"DateGreaterThan date only", `{"DateGreaterThan":{"aws:CurrentTime":"2024-05-01"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:01Z"}}, true},
	{"DateGreaterThanEquals fraction", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-05-01T00:00:00.5Z"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:00.4Z"}}, false},
	{"DateEquals across zones", `{"DateEquals":{"aws:CurrentTime":"2024-05-01T02:00:00+02:00"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:00Z"}}, true},
	{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:01Z"}}, true},
	{"Date epoch policy value", `{"DateGreaterThan":{"aws:CurrentTime":"1714521600"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:01Z"}}, true},
	{"Date epoch request value", `{"DateLessThan":{"aws:EpochTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:EpochTime": {"1714521599"}}, true},
	{"Date epoch request value after", `{"DateLessThan":{"aws:EpochTime":"2024-05-01T00:00:00Z"}}`, ctxMap{"aws:EpochTime": {"1714521600"}}, false},
	{"Date no zone means UTC", `{"DateEquals":{"aws:CurrentTime":"2024-05-01T00:00:00"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:00Z"}}, true},
	{"Date basic ISO", `{"DateEquals":{"aws:CurrentTime":"20240501T000000Z"}}`, ctxMap{"aws:CurrentTime": {"2024-05-01T00:00:00Z"}}, true},
	{"Date garbage request", `{"DateLessThan":{"aws:CurrentTime":"2024-05-01"}}`, ctxMap{"aws:CurrentTime": {"soon"}}, false},

	// Bool.
	{"Bool false match", `{"Bool":{"aws:SecureTransport":"false"}}`, ctxMap{"aws:SecureTransport": {"false"}}, true},
	{"Bool false no match", `{"Bool":{"aws:SecureTransport":"false"}}`, ctxMap{"aws:SecureTransport": {"true"}}, false},
	{"Bool JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, ctxMap{"aws:SecureTransport": {"false"}}, true},
	{"Bool case-insensitive", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, ctxMap{"aws:SecureTransport": {"true"}}, true},
	{"Bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
	{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
	{"BoolIfExists present", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctxMap{"aws:MultiFactorAuthPresent": {"true"}}, false},

	// Binary.
	{"BinaryEquals", `{"BinaryEquals":{"s3:x":"QmluYXJ5"}}`, ctxMap{"s3:x": {"QmluYXJ5"}}, true},
	{"BinaryEquals differs", `{"BinaryEquals":{"s3:x":"QmluYXJ5"}}`, ctxMap{"s3:x": {"QmluYXJ6"}}, false},

	// IP addresses.
	{"IpAddress in block", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxMap{"aws:SourceIp": {"192.0.2.7"}}, true},
	{"IpAddress outside block", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxMap{"aws:SourceIp": {"198.51.100.1"}}, false},
	{"IpAddress bare address is /32", `{"IpAddress":{"aws:SourceIp":"192.0.2.7"}}`, ctxMap{"aws:SourceIp": {"192.0.2.8"}}, false},
	{"IpAddress bare address exact", `{"IpAddress":{"aws:SourceIp":"192.0.2.7"}}`, ctxMap{"aws:SourceIp": {"192.0.2.7"}}, true},
	{"IpAddress host bits set", `{"IpAddress":{"aws:SourceIp":"192.0.2.77/24"}}`, ctxMap{"aws:SourceIp": {"192.0.2.1"}}, true},
	{"IpAddress IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctxMap{"aws:SourceIp": {"2001:db8:1::5"}}, true},
	{"IpAddress IPv6 outside", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctxMap{"aws:SourceIp": {"2001:db9::5"}}, false},
	{"IpAddress IPv4-mapped request", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxMap{"aws:SourceIp": {"::ffff:192.0.2.9"}}, true},
	{"IpAddress IPv4-mapped policy", `{"IpAddress":{"aws:SourceIp":"::ffff:192.0.2.0/120"}}`, ctxMap{"aws:SourceIp": {"192.0.2.9"}}, true},
	{"IpAddress family mismatch", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctxMap{"aws:SourceIp": {"2001:db8::1"}}, false},
	{"IpAddress list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}`, ctxMap{"aws:SourceIp": {"192.0.2.200"}}, true},
	{"IpAddress missing", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, false},
	{"IpAddress garbage request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctxMap{"aws:SourceIp": {"nowhere"}}, false},
	{"NotIpAddress outside", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxMap{"aws:SourceIp": {"198.51.100.1"}}, true},
	{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctxMap{"aws:SourceIp": {"192.0.2.1"}}, false},
	{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},
	{"NotIpAddressIfExists missing", `{"NotIpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},

	// ARNs.
	{"ArnLike", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket/*"}}`, ctxMap{"aws:SourceArn": {"arn:aws:s3:::bucket/k"}}, true},
	{"ArnEquals wildcard account", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, ctxMap{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/admin"}}, true},
	{"ArnEquals differs", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, ctxMap{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/Admin"}}, false},
	{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}`, ctxMap{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/other"}}, true},
	{"ArnNotLike match", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/*"}}`, ctxMap{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/x"}}, false},
	{"ArnNotLike missing", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/*"}}`, nil, true},
	{"ArnEquals variable", `{"ArnEquals":{"aws:SourceArn":"${aws:PrincipalArn}"}}`, ctxMap{"aws:SourceArn": {"arn:aws:iam::1:user/a"}, "aws:PrincipalArn": {"arn:aws:iam::1:user/a"}}, true},
	{"ArnLike not an ARN", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, ctxMap{"aws:SourceArn": {"bucket"}}, false},

	// Null.
	{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
	{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctxMap{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, false},
	{"Null false present", `{"Null":{"aws:TokenIssueTime":false}}`, ctxMap{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, true},
	{"Null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},
	{"Null empty value list is absent", `{"Null":{"aws:TagKeys":"true"}}`, ctxMap{"aws:TagKeys": {}}, true},

	// IfExists.
	{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}`, nil, true},
	{"StringEqualsIfExists match", `{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}`, ctxMap{"s3:x-amz-acl": {"private"}}, true},
	{"StringEqualsIfExists mismatch", `{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}`, ctxMap{"s3:x-amz-acl": {"public-read"}}, false},
	{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, nil, true},
	{"DateLessThanIfExists missing", `{"DateLessThanIfExists":{"aws:TokenIssueTime":"2024-05-01T00:00:00Z"}}`, nil, true},
	{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::x"}}`, nil, true},

	// Set operators on multivalued keys.
	{"ForAllValues all match", `{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}`, ctxMap{"aws:TagKeys": {"key1:a", "key1:b"}}, true},
	{"ForAllValues one fails", `{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}`, ctxMap{"aws:TagKeys": {"key1:a", "key2"}}, false},
	{"ForAllValues missing is true", `{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}`, nil, true},
	{"ForAllValues subset of list", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctxMap{"aws:TagKeys": {"c", "a"}}, true},
	{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"b", "a"}}, true},
	{"ForAnyValue none matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"b", "c"}}, false},
	{"ForAnyValue missing is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, nil, false},
	{"ForAnyValue negated missing is false", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, nil, false},
	{"ForAnyValue negated one differs", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"a", "b"}}, true},
	{"ForAnyValue negated all equal", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"a"}}, false},
	// AWS's documented table for ForAllValues:StringNotLike "key1*".
	{"ForAllValues NotLike key1:legal", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctxMap{"aws:TagKeys": {"key1:legal"}}, false},
	{"ForAllValues NotLike key1 pair", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctxMap{"aws:TagKeys": {"key1:hr", "key1:personnel"}}, false},
	{"ForAllValues NotLike key2", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctxMap{"aws:TagKeys": {"key2:audit"}}, true},
	{"ForAllValues NotLike missing", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, nil, true},
	{"ForAnyValueIfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, nil, true},
	{"no qualifier multi-value positive", `{"StringEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"b", "a"}}, true},
	{"no qualifier multi-value negated", `{"StringNotEquals":{"aws:TagKeys":"a"}}`, ctxMap{"aws:TagKeys": {"b", "a"}}, false},

	// Combination: operators AND, keys AND, values OR.
	{"two operators both hold", `{"StringEquals":{"s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}`, ctxMap{"s3:prefix": {"a"}, "aws:SecureTransport": {"true"}}, true},
	{"two operators one fails", `{"StringEquals":{"s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}`, ctxMap{"s3:prefix": {"a"}, "aws:SecureTransport": {"false"}}, false},
	{"two keys both hold", `{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}`, ctxMap{"s3:prefix": {"a"}, "s3:delimiter": {"/"}}, true},
	{"two keys one fails", `{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}`, ctxMap{"s3:prefix": {"a"}, "s3:delimiter": {"-"}}, false},
	{"empty condition", `{}`, nil, true},
	{"operator name case-insensitive", `{"stringequals":{"s3:prefix":"a"}}`, ctxMap{"s3:prefix": {"a"}}, true},
}

func TestConditions(t *testing.T) {
	for _, tc := range condCases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(Identity, []byte(condDoc(tc.cond)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			req := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tc.ctx}
			e, m := d.Evaluate(req)
			if got := e == Allow; got != tc.want {
				t.Errorf("condition %s with context %v: holds = %v, want %v", tc.cond, tc.ctx, got, tc.want)
			}
			if (m != nil) != tc.want {
				t.Errorf("Match = %+v, want one exactly when the condition holds", m)
			}
		})
	}
}

func condDoc(cond string) string {
	return stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}`)
}

// Policy variables are a 2012-10-17 feature: an older document compares
// the literal text.
func TestConditionVariablesNeedVersion2012(t *testing.T) {
	ctx := ctxMap{"aws:username": {"alice"}}
	doc := func(version string) string {
		return `{"Version":"` + version + `","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:username}"}}}}`
	}
	for _, tc := range []struct {
		version, prefix string
		want            Effect
	}{
		{"2012-10-17", "alice", Allow},
		{"2012-10-17", "${aws:username}", NotApplicable},
		{"2008-10-17", "alice", NotApplicable},
		{"2008-10-17", "${aws:username}", Allow},
	} {
		d, err := Parse(Identity, []byte(doc(tc.version)))
		if err != nil {
			t.Fatal(err)
		}
		c := ctxMap{"aws:username": ctx["aws:username"], "s3:prefix": {tc.prefix}}
		if e, _ := d.Evaluate(&Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: c}); e != tc.want {
			t.Errorf("Version %s, s3:prefix %q: %v, want %v", tc.version, tc.prefix, e, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		unix int64
		ok   bool
	}{
		{"2024-05-01T00:00:00Z", 1714521600, true},
		{"2024-05-01T02:00:00+02:00", 1714521600, true},
		{"2024-05-01", 1714521600, true},
		{"2024-05-01T00:00", 1714521600, true},
		{"2024-05-01T00:00Z", 1714521600, true},
		{"20240501T000000Z", 1714521600, true},
		{"1714521600", 1714521600, true},
		{"1714521600.75", 1714521600, true},
		{"-1", -1, true},
		{"", 0, false},
		{"-", 0, false},
		{"1.2.3", 0, false},
		{"1e400", 0, false},
		{"99999999999999999999", 0, false},
		{"May 1 2024", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseDate(tc.in)
		if ok != tc.ok || ok && got.Unix() != tc.unix {
			t.Errorf("parseDate(%q) = %v (%d), %v; want %d, %v", tc.in, got, got.Unix(), ok, tc.unix, tc.ok)
		}
	}
}
