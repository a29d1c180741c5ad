package principal

import "testing"

func TestPrincipalIdentifiers(t *testing.T) {
	const acct = "123456789012"
	userARN := "arn:aws:iam::" + acct + ":user/alice"
	roleARN := "arn:aws:iam::" + acct + ":role/deploy"
	tests := []struct {
		name      string
		p         Principal
		principal string // PrincipalARN
		unique    string // UniqueID
		temporary bool
	}{
		{"user key", Principal{ARN: userARN, UserID: "AIDAALICE"}, userARN, "AIDAALICE", false},
		{"root key", Principal{ARN: "arn:aws:iam::" + acct + ":root", UserID: acct, IsRoot: true}, "arn:aws:iam::" + acct + ":root", "", false},
		{"role session", Principal{ARN: "arn:aws:sts::" + acct + ":assumed-role/deploy/ci", UserID: "AROADEPLOY:ci",
			SessionKind: SessionAssumedRole, RoleARN: roleARN}, roleARN, "AROADEPLOY", true},
		{"session token", Principal{ARN: userARN, UserID: "AIDAALICE", SessionKind: SessionToken}, userARN, "AIDAALICE", true},
		{"federated user", Principal{ARN: "arn:aws:sts::" + acct + ":federated-user/bob", UserID: acct + ":bob",
			SessionKind: SessionFederated}, "arn:aws:sts::" + acct + ":federated-user/bob", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.PrincipalARN(); got != tc.principal {
				t.Errorf("PrincipalARN() = %q, want %q", got, tc.principal)
			}
			if got := tc.p.UniqueID(); got != tc.unique {
				t.Errorf("UniqueID() = %q, want %q", got, tc.unique)
			}
			if got := tc.p.Temporary(); got != tc.temporary {
				t.Errorf("Temporary() = %v, want %v", got, tc.temporary)
			}
		})
	}
}

func TestHasSessionPolicies(t *testing.T) {
	for _, tc := range []struct {
		p    Principal
		want bool
	}{
		{Principal{}, false},
		{Principal{SessionPolicy: `{"Version":"2012-10-17"}`}, true},
		{Principal{SessionPolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}, true},
	} {
		if got := tc.p.HasSessionPolicies(); got != tc.want {
			t.Errorf("%+v.HasSessionPolicies() = %v, want %v", tc.p, got, tc.want)
		}
	}
}
