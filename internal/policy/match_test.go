package policy

import "testing"

func TestPatternMatch(t *testing.T) {
	ctx := map[string][]string{
		"aws:username":     {"alice"},
		"aws:userid":       {"AIDAEXAMPLE"},
		"aws:PrincipalArn": {"arn:aws:iam::123456789012:user/alice"},
		"aws:empty":        {},
		"aws:star":         {"*"},
	}
	cases := []struct {
		pat              string
		wild, vars, fold bool
		in               string
		want             bool
	}{
		// Exact, any, prefix fast paths.
		{"*", true, false, false, "", true},
		{"*", true, false, false, "anything", true},
		{"abc", true, false, false, "abc", true},
		{"abc", true, false, false, "abcd", false},
		{"abc", true, false, false, "ABC", false},
		{"abc", true, false, true, "ABC", true},
		{"", true, false, false, "", true},
		{"", true, false, false, "x", false},
		{"arn:aws:s3:::b/*", true, false, false, "arn:aws:s3:::b/", true},
		{"arn:aws:s3:::b/*", true, false, false, "arn:aws:s3:::b/a/b/c", true},
		{"arn:aws:s3:::b/*", true, false, false, "arn:aws:s3:::b", false},
		{"arn:aws:s3:::b/*", true, false, false, "arn:aws:s3:::bb/x", false},
		{"s3:get*", true, false, true, "s3:GetObject", true},
		{"s3:get*", true, false, true, "s3:PutObject", false},
		// General glob.
		{"s3:*Object", true, false, true, "s3:GetObject", true},
		{"s3:*Object", true, false, true, "s3:GetObjectAcl", false},
		{"s3:Get*Acl", true, false, true, "s3:GetObjectAcl", true},
		{"s3:Get*Acl", true, false, true, "s3:GetAcl", true},
		{"a?c", true, false, false, "abc", true},
		{"a?c", true, false, false, "ac", false},
		{"a?c", true, false, false, "abbc", false},
		{"a?c", true, false, false, "aéc", true}, // ? is one character, not one byte
		{"*a*b*c*", true, false, false, "xxaxxbxxcxx", true},
		{"*a*b*c*", true, false, false, "xxaxxcxxbxx", false},
		{"a*a*a*a*b", true, false, false, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"**", true, false, false, "x", true},
		{"*?", true, false, false, "", false},
		{"*?", true, false, false, "x", true},
		{"ǅ*", true, false, true, "ǆx", true}, // Unicode case folding
		// Wildcards off: * and ? are literal.
		{"a*", false, false, false, "a*", true},
		{"a*", false, false, false, "ab", false},
		// Variables.
		{"arn:aws:s3:::b/${aws:username}/*", true, true, false, "arn:aws:s3:::b/alice/x", true},
		{"arn:aws:s3:::b/${aws:username}/*", true, true, false, "arn:aws:s3:::b/bob/x", false},
		{"arn:aws:s3:::b/${AWS:USERNAME}/*", true, true, false, "arn:aws:s3:::b/alice/x", true}, // key names are case-insensitive
		{"${aws:username}", true, true, false, "alice", true},
		{"${aws:username}", true, true, false, "ALICE", false},
		{"${aws:username}", true, true, true, "ALICE", true},
		{"${aws:PrincipalArn}", false, true, false, "arn:aws:iam::123456789012:user/alice", true},
		{"home/${aws:nosuchkey}/*", true, true, false, "home//x", false}, // unresolvable: matches nothing
		{"*${aws:nosuchkey}*", true, true, false, "anything", false},
		{"${aws:empty}", true, true, false, "", false},
		{"${aws:nosuchkey, 'anon'}", true, true, false, "anon", true},
		{"${aws:username, 'anon'}", true, true, false, "alice", true},
		{"${ aws:nosuchkey , 'it''s' }", true, true, false, "it's", true},
		{"${aws:nosuchkey, anon}", true, true, false, "anon", false}, // unquoted default is malformed
		{"${aws:star}x", true, true, false, "*x", true},              // a variable's value is literal...
		{"${aws:star}x", true, true, false, "yx", false},             // ...never a wildcard
		// Escapes.
		{"a${*}b", true, true, false, "a*b", true},
		{"a${*}b", true, true, false, "axb", false},
		{"a${?}b", true, true, false, "a?b", true},
		{"a${?}b", true, true, false, "axb", false},
		{"${$}{x}", true, true, false, "${x}", true},
		// Without variables (pre-2012 documents) ${...} is literal text.
		{"home/${aws:username}", true, false, false, "home/${aws:username}", true},
		{"home/${aws:username}", true, false, false, "home/alice", false},
		// Unterminated ${ is literal.
		{"a${b", true, true, false, "a${b", true},
	}
	for _, tc := range cases {
		p := compile(tc.pat, tc.wild, tc.vars, tc.fold)
		if got := p.match(tc.in, ctx); got != tc.want {
			t.Errorf("compile(%q, wild=%v vars=%v fold=%v).match(%q) = %v, want %v", tc.pat, tc.wild, tc.vars, tc.fold, tc.in, got, tc.want)
		}
	}
}

func TestPatternFastPaths(t *testing.T) {
	cases := []struct {
		pat  string
		want patKind
	}{
		{"*", patAny},
		{"***", patAny},
		{"s3:GetObject", patExact},
		{"arn:aws:s3:::b/*", patPrefix},
		{"s3:*Object", patGlob},
		{"a?", patGlob},
		{"${aws:username}", patGlob},
		{"a${*}", patExact}, // an escape is plain text
	}
	for _, tc := range cases {
		if got := compile(tc.pat, true, true, false).kind; got != tc.want {
			t.Errorf("compile(%q).kind = %v, want %v", tc.pat, got, tc.want)
		}
	}
}

func TestARNPattern(t *testing.T) {
	ctx := map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/r"}}
	cases := []struct {
		pat, in string
		want    bool
	}{
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:s3:::*", "arn:aws:s3:::b:with:colons", true}, // colons in the resource part are literal
		{"arn:aws:iam::*:role/r", "arn:aws:iam::123456789012:role/r", true},
		{"arn:aws:iam::*:role/r", "arn:aws:iam::123456789012:role/q", false},
		// A * in one part does not reach across a colon into the next.
		{"arn:aws:iam::*:root", "arn:aws:iam::123:456:root", false},
		{"arn:aws:*:us-east-1:123456789012:x", "arn:aws:s3:eu:west:123456789012:x", false},
		{"arn:aws:*:us-east-1:123456789012:x", "arn:aws:sqs:us-east-1:123456789012:x", true},
		{"arn:aws:s3:::bucket", "not-an-arn", false},
		{"arn:aws:s3:::bucket", "arn:aws:s3::bucket", false},
		// Not six parts: matched as one string.
		{"*", "arn:aws:s3:::x", true},
		{"${aws:PrincipalArn}", "arn:aws:iam::123456789012:role/r", true},
		{"${aws:PrincipalArn}", "arn:aws:iam::123456789012:role/q", false},
		// A variable inside one part stays in that part.
		{"arn:aws:iam::123456789012:${aws:username, 'role'}/r", "arn:aws:iam::123456789012:role/r", true},
	}
	for _, tc := range cases {
		a := compileARN(tc.pat, true)
		if got := a.match(tc.in, ctx); got != tc.want {
			t.Errorf("compileARN(%q).match(%q) = %v, want %v", tc.pat, tc.in, got, tc.want)
		}
	}
}

func TestLookupCaseInsensitive(t *testing.T) {
	ctx := map[string][]string{"aws:SourceIp": {"192.0.2.1"}}
	for _, k := range []string{"aws:SourceIp", "aws:sourceip", "AWS:SOURCEIP"} {
		if v := lookup(ctx, k); len(v) != 1 || v[0] != "192.0.2.1" {
			t.Errorf("lookup(%q) = %v", k, v)
		}
	}
	if v := lookup(ctx, "aws:SourceVpc"); v != nil {
		t.Errorf("lookup of an absent key = %v", v)
	}
	if v := lookup(nil, "aws:SourceIp"); v != nil {
		t.Errorf("lookup in nil context = %v", v)
	}
}
