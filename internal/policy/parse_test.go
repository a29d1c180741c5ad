package policy

import (
	"errors"
	"strings"
	"testing"
)

// stmt wraps statement JSON into a 2012-10-17 document.
func stmt(s string) string {
	return `{"Version":"2012-10-17","Statement":` + s + `}`
}

type parseCase struct {
	name string
	kind Kind
	doc  string
	want string // exact error text; "" means the document is valid
}

var parseCases = []parseCase{
	// Valid documents of every kind.
	{"identity minimal", Identity, stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), ""},
	{"identity statement array", Identity, stmt(`[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*"]},{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::b"}]`), ""},
	{"identity no version", Identity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ""},
	{"identity old version", Identity, `{"Version":"2008-10-17","Id":"x","Statement":[]}`, ""},
	{"identity action star", Identity, stmt(`{"Sid":"All1","Effect":"Allow","Action":"*","Resource":"*"}`), ""},
	{"identity conditions", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"s3:signatureAge":600000},"Bool":{"aws:SecureTransport":false},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32","192.0.2.1"]},"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T00:00:00Z"},"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"Null":{"aws:MultiFactorAuthAge":"true"},"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"},"BinaryEquals":{"s3:x":"QmluYXJ5"}}}`), ""},
	{"session minimal", Session, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), ""},
	{"bucket public read", Resource, stmt(`{"Sid":"Public Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), ""},
	{"bucket aws principals", Resource, stmt(`{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/alice","*"]},"Action":"s3:*","Resource":"arn:aws:s3:::b"}`), ""},
	{"bucket not principal", Resource, stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), ""},
	{"trust service", Trust, stmt(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), ""},
	{"trust federated and canonical", Trust, stmt(`{"Effect":"Allow","Principal":{"Federated":["accounts.google.com"],"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"},"Action":"sts:AssumeRoleWithWebIdentity"}`), ""},
	{"trust with resource", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Resource":"*"}`), ""},

	// JSON-level errors.
	{"not json", Identity, `{"Version":`, msgSyntax},
	{"empty", Identity, ``, msgSyntax},
	{"top-level array", Identity, `[{"Effect":"Allow"}]`, msgSyntax},
	{"top-level string", Identity, `"hello"`, msgSyntax},
	{"trailing data", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`) + `{}`, msgSyntax},
	{"trailing garbage", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`) + `x`, msgSyntax},
	{"duplicate key", Identity, stmt(`{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}`), "Duplicate field Effect"},
	{"duplicate top-level key", Identity, `{"Statement":[],"Statement":[]}`, "Duplicate field Statement"},
	{"too deep", Identity, strings.Repeat("[", 65) + strings.Repeat("]", 65), msgTooDeep},
	{"too deep inside", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}}`), msgTooDeep},

	// Document-level errors.
	{"unknown top-level field", Identity, `{"Version":"2012-10-17","Foo":1,"Statement":[]}`, "Unknown field Foo"},
	{"missing statement", Identity, `{"Version":"2012-10-17"}`, msgMissingStatement},
	{"statement not object", Identity, stmt(`"Allow"`), msgSyntax},
	{"statement element not object", Identity, stmt(`["Allow"]`), msgSyntax},
	{"bad version", Identity, `{"Version":"2012-10-18","Statement":[]}`, "Invalid policy Version 2012-10-18: must be 2012-10-17 or 2008-10-17."},
	{"numeric version", Identity, `{"Version":2012,"Statement":[]}`, "Invalid policy Version 2012: must be 2012-10-17 or 2008-10-17."},
	{"id not string", Identity, `{"Id":1,"Statement":[]}`, "Id must be a string."},

	// Statement-level errors.
	{"unknown statement field", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Foo":"x"}`), "Unknown field Foo"},
	{"lowercase element", Identity, stmt(`{"effect":"Allow","Action":"*","Resource":"*"}`), "Unknown field effect"},
	{"missing effect", Identity, stmt(`{"Action":"*","Resource":"*"}`), msgMissingEffect},
	{"invalid effect", Identity, stmt(`{"Effect":"Allows","Action":"*","Resource":"*"}`), "Invalid effect: Allows"},
	{"lowercase effect", Resource, stmt(`{"Effect":"allow","Principal":"*","Action":"s3:*","Resource":"*"}`), "Invalid effect: allow"},
	{"effect not string", Identity, stmt(`{"Effect":true,"Action":"*","Resource":"*"}`), "Invalid effect: true"},
	{"sid not string", Resource, stmt(`{"Sid":1,"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), "Sid must be a string."},
	{"sid not alnum in IAM", Identity, stmt(`{"Sid":"my-sid","Effect":"Allow","Action":"*","Resource":"*"}`), msgSidAlnum},
	{"sid duplicate in IAM", Trust, stmt(`[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]`), msgSidUnique},
	{"sid duplicate in bucket policy", Resource, stmt(`[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]`), ""},

	// Principal rules per kind.
	{"identity with principal", Identity, stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), msgForbiddenPrincipal},
	{"identity with not principal", Identity, stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}`), msgForbiddenPrincipal},
	{"session with principal", Session, stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}`), msgForbiddenPrincipal},
	{"bucket without principal", Resource, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), msgMissingPrincipal},
	{"trust without principal", Trust, stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), msgMissingPrincipal},
	{"both principals", Resource, stmt(`{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"}`), msgBothPrincipal},
	{"bucket principal plain string", Resource, stmt(`{"Effect":"Allow","Principal":"alice","Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"bucket principal bad account", Resource, stmt(`{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"bucket principal wildcard arn", Resource, stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"bucket principal unknown type", Resource, stmt(`{"Effect":"Allow","Principal":{"Group":"x"},"Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"bucket principal empty object", Resource, stmt(`{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"bucket principal number", Resource, stmt(`{"Effect":"Allow","Principal":{"AWS":123456789012},"Action":"s3:*","Resource":"*"}`), msgS3Principal},
	{"trust principal bad", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"alice"`},
	{"trust principal empty service", Trust, stmt(`{"Effect":"Allow","Principal":{"Service":""},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "Service":""`},

	// Actions.
	{"missing action", Identity, stmt(`{"Effect":"Allow","Resource":"*"}`), msgNoActions},
	{"empty action list", Identity, stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), msgNoActions},
	{"both actions", Identity, stmt(`{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}`), msgBothAction},
	{"action not string", Identity, stmt(`{"Effect":"Allow","Action":[1],"Resource":"*"}`), "Action must be a string or an array of strings."},
	{"action without vendor", Identity, stmt(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), msgVendor},
	{"action empty vendor", Identity, stmt(`{"Effect":"Allow","Action":":GetObject","Resource":"*"}`), msgVendor},
	{"action two colons", Identity, stmt(`{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}`), msgOneColon},
	{"action vendor wildcard", Identity, stmt(`{"Effect":"Allow","Action":"*:GetObject","Resource":"*"}`), msgVendorWildcard},
	{"action no name", Identity, stmt(`{"Effect":"Allow","Action":"s3:","Resource":"*"}`), "Action s3: is not valid."},
	{"bucket action without vendor", Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"GetObject","Resource":"*"}`), msgS3Action},

	// Resources.
	{"missing resource identity", Identity, stmt(`{"Effect":"Allow","Action":"*"}`), msgNoResources},
	{"missing resource session", Session, stmt(`{"Effect":"Allow","Action":"*"}`), msgNoResources},
	{"missing resource bucket", Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*"}`), msgNoResources},
	{"empty resource list", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":[]}`), msgNoResources},
	{"both resources", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), msgBothResource},
	{"resource not arn", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"bucket"}`), `Resource bucket must be in ARN format or "*".`},
	{"resource short arn", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3"}`), `Resource arn:aws:s3 must be in ARN format or "*".`},
	{"resource not string", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":{"a":1}}`), "Resource must be a string or an array of strings."},
	{"bucket resource not arn", Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"bucket/*"}`), msgS3Resource},

	// Conditions.
	{"unknown operator", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}`), "Invalid Condition operator: StringEqualz"},
	{"null if exists", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}`), "Invalid Condition operator: NullIfExists"},
	{"bad set prefix", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"aws:username":"a"}}}`), "Invalid Condition operator: ForSomeValues:StringEquals"},
	{"operator any case with qualifiers", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"forallvalues:stringlikeifexists":{"aws:TagKeys":"a*"}}}`), ""},
	{"condition not object", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}`), msgConditionObject},
	{"condition block not object", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":["a"]}}`), "Condition operator StringEquals must map condition keys to values."},
	{"condition key without vendor", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}`), msgVendor},
	{"bucket condition key without vendor", Resource, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}`), msgS3ConditionKey},
	{"condition value object", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}}`), "Condition StringEquals on aws:username must have a string, number or boolean value, or an array of them."},
	{"condition value null", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}`), "Condition StringEquals on aws:username must have a string, number or boolean value, or an array of them."},
	{"condition value empty array", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}`), "Condition StringEquals on aws:username must have a string, number or boolean value, or an array of them."},
	{"bad number", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:signatureAge":"abc"}}}`), `Invalid value "abc" for Condition NumericLessThan on s3:signatureAge.`},
	{"NaN number", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:signatureAge":"NaN"}}}`), `Invalid value "NaN" for Condition NumericLessThan on s3:signatureAge.`},
	{"bad date", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"yesterday"}}}`), `Invalid value "yesterday" for Condition DateLessThan on aws:TokenIssueTime.`},
	{"bad bool", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}`), `Invalid value "yes" for Condition Bool on aws:SecureTransport.`},
	{"bad null value", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"maybe"}}}`), `Invalid value "maybe" for Condition Null on aws:TokenIssueTime.`},
	{"bad cidr", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}`), `Invalid value "10.0.0.0/33" for Condition NotIpAddress on aws:SourceIp.`},
	{"bad ip", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"example.com"}}}`), `Invalid value "example.com" for Condition IpAddress on aws:SourceIp.`},
	{"bad base64", Identity, stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"s3:x":"!!"}}}`), `Invalid value "!!" for Condition BinaryEquals on s3:x.`},

	{"unknown kind", Kind(9), stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`), "Unknown policy kind 9."},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.kind, []byte(tc.doc))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if d == nil {
					t.Fatal("Parse returned nil document and nil error")
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded; want error %q", tc.want)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q, want %q", err.Error(), tc.want)
			}
			if d != nil {
				t.Errorf("Parse returned a document with an error")
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	// A valid document padded with whitespace just under and over 128 KiB.
	base := stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`)
	under := base + strings.Repeat(" ", maxDocSize-len(base))
	if _, err := Parse(Identity, []byte(under)); err != nil {
		t.Fatalf("document of exactly %d bytes: %v", len(under), err)
	}
	over := under + " "
	_, err := Parse(Identity, []byte(over))
	if err == nil || err.Error() != msgTooLarge || !errors.Is(err, ErrMalformed) {
		t.Fatalf("document of %d bytes: err = %v, want %q", len(over), err, msgTooLarge)
	}
}

func TestParseDepthLimit(t *testing.T) {
	// 64 levels are allowed (the top-level object is level 1).
	ok := `{"Version":"2012-10-17","Statement":[],"Id":"x"}`
	if _, err := Parse(Identity, []byte(ok)); err != nil {
		t.Fatal(err)
	}
	// Object levels: document, statement, Condition, operator = 4.
	inner := strings.Repeat("[", 60) + `"v"` + strings.Repeat("]", 60)
	at64 := stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":` + inner + `}}}`)
	// Depth 64 is accepted by the JSON reader; the value is then refused
	// for its shape, not its depth.
	_, err := Parse(Identity, []byte(at64))
	if err == nil || err.Error() == msgTooDeep {
		t.Fatalf("64 levels: err = %v, want a shape error, not the depth error", err)
	}
	at65 := strings.Replace(at64, `"v"`, `["v"]`, 1)
	if _, err := Parse(Identity, []byte(at65)); err == nil || err.Error() != msgTooDeep {
		t.Fatalf("65 levels: err = %v, want %q", err, msgTooDeep)
	}
}

func TestParseEchoIsBounded(t *testing.T) {
	long := strings.Repeat("x", 5000)
	_, err := Parse(Identity, []byte(stmt(`{"Effect":"`+long+`","Action":"*","Resource":"*"}`)))
	if err == nil {
		t.Fatal("want error")
	}
	if len(err.Error()) > 300 {
		t.Errorf("error text is %d bytes; user input must be truncated", len(err.Error()))
	}
	if !strings.HasPrefix(err.Error(), "Invalid effect: xxx") || !strings.HasSuffix(err.Error(), "...") {
		t.Errorf("error = %.60q…", err.Error())
	}
}

func TestDocumentAccessors(t *testing.T) {
	d, err := Parse(Resource, []byte(stmt(`[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]`)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Statements() != 2 || d.Kind() != Resource {
		t.Errorf("Statements() = %d, Kind() = %v; want 2, Resource", d.Statements(), d.Kind())
	}
	var nilDoc *Document
	if nilDoc.Statements() != 0 {
		t.Error("nil document has statements")
	}
}
