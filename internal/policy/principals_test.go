package policy

import (
	"errors"
	"testing"
)

// TestRewriteAWSPrincipals: only the values of Principal.AWS and
// NotPrincipal.AWS change, byte for byte in place; a condition or
// resource holding the same text is left alone.
func TestRewriteAWSPrincipals(t *testing.T) {
	const alice = "arn:aws:iam::123456789012:user/alice"
	doc := `{"Version":"2012-10-17", "Statement": [
  {"Effect":"Allow", "Principal": {"AWS": [ "` + alice + `", "123456789012" ]}, "Action":"s3:GetObject", "Resource":"*",
   "Condition":{"StringEquals":{"aws:PrincipalArn":"` + alice + `"}}},
  {"Effect":"Deny", "NotPrincipal" : {"AWS":"` + alice + `"}, "Action":"s3:*", "Resource":"*"}]}`
	want := `{"Version":"2012-10-17", "Statement": [
  {"Effect":"Allow", "Principal": {"AWS": [ "AIDAEXAMPLE000000001", "123456789012" ]}, "Action":"s3:GetObject", "Resource":"*",
   "Condition":{"StringEquals":{"aws:PrincipalArn":"` + alice + `"}}},
  {"Effect":"Deny", "NotPrincipal" : {"AWS":"AIDAEXAMPLE000000001"}, "Action":"s3:*", "Resource":"*"}]}`
	bind := func(v string) (string, error) {
		if v == alice {
			return "AIDAEXAMPLE000000001", nil
		}
		return v, nil
	}
	got, err := RewriteAWSPrincipals([]byte(doc), bind)
	if err != nil || string(got) != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	if _, err := Parse(Resource, got); err != nil {
		t.Errorf("bound document does not parse: %v", err)
	}
	// Unchanged principals: the very same document.
	if same, err := RewriteAWSPrincipals(got, func(v string) (string, error) { return v, nil }); err != nil || string(same) != string(got) {
		t.Errorf("identity rewrite changed the document: %s, %v", same, err)
	}
	boom := errors.New("boom")
	if _, err := RewriteAWSPrincipals([]byte(doc), func(string) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
}

func TestIsUniqueID(t *testing.T) {
	for s, want := range map[string]bool{
		"AIDAEXAMPLE000000001": true, "AROA4QUKSVHW7XYZ2345": true, "AKIAEXAMPLE000000001": false,
		"AIDA": false, "AIDAexample000000001": false, "arn:aws:iam::123456789012:user/AIDA": false,
	} {
		if IsUniqueID(s) != want {
			t.Errorf("IsUniqueID(%q) = %v", s, !want)
		}
	}
}
