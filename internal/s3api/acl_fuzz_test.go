package s3api

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"signet/internal/meta"
)

// aclFuzzSeeds are the bodies of the ACL, ownership and Block Public
// Access operations from the package's tests, and hostile shapes.
var aclFuzzSeeds = []string{
	acpBody(userGrantXML(owner.ID, "FULL_CONTROL"), groupGrantXML(allUsers, "READ")),
	acpBody(groupGrantXML(authUsers, "WRITE_ACP")),
	acpBody(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>a@example.com</EmailAddress></Grantee><Permission>READ</Permission></Grant>`),
	acpBody(`<Grant><Grantee xsi:type="Group"><URI>` + allUsers + `</URI></Grantee><Permission>READ</Permission></Grant>`),
	`<AccessControlPolicy><AccessControlList></AccessControlList></AccessControlPolicy>`,
	`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`,
	`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`,
	`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
	`<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>`,
	`<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>`,
	`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><OwnershipControls><Rule><ObjectOwnership>&xxe;</ObjectOwnership></Rule></OwnershipControls>`,
	"not xml", "",
}

func addSeeds(f *testing.F) {
	for _, s := range append(aclFuzzSeeds, fuzzXMLSeeds...) {
		f.Add([]byte(s))
	}
}

// FuzzACLBody: whatever a PutBucketAcl or PutObjectAcl body holds,
// parseACLBody refuses it with one of AWS's answers or returns at most
// 100 grants, each a known permission to a grantee signet knows: the
// account's own ID or a predefined group.
func FuzzACLBody(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		acl, err := parseACLBody(bytes.NewReader(data))
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("refused with %v, not an S3 error", err)
			}
			switch ae.Code {
			case codeMalformedACLError, codeMaxMessageLengthExceeded, codeInvalidArgument, codeMethodNotAllowed, codeAccessDenied:
			default:
				t.Fatalf("refused with %s", ae.Code)
			}
			return
		}
		if len(acl.Grants) > maxGrants {
			t.Fatalf("%d grants accepted", len(acl.Grants))
		}
		for _, g := range acl.Grants {
			if !permissions[g.Permission] {
				t.Fatalf("accepted permission %q", g.Permission)
			}
			switch g.Type {
			case meta.GranteeCanonicalUser:
				if g.ID != owner.ID {
					t.Fatalf("accepted canonical ID %q", g.ID)
				}
			case meta.GranteeGroup:
				if !groups[g.URI] {
					t.Fatalf("accepted group %q", g.URI)
				}
			default:
				t.Fatalf("accepted grantee type %q", g.Type)
			}
		}
	})
}

// FuzzOwnershipControlsXML: any PutBucketOwnershipControls body is
// MalformedXML (or too large) or names exactly one known setting.
func FuzzOwnershipControlsXML(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReadXML[ownershipControls](t, data, 8<<10, maxOwnershipElems, "OwnershipControls")
		setting, err := parseOwnershipControls(data)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || (ae.Code != codeMalformedXML && ae.Code != codeMaxMessageLengthExceeded) {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if !ownerships[setting] {
			t.Fatalf("accepted setting %q", setting)
		}
	})
}

// FuzzPublicAccessBlockXML: any PutPublicAccessBlock body is refused with
// MalformedXML (or too large), or is a configuration whose every setting
// the body spelt "true".
func FuzzPublicAccessBlockXML(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReadXML[publicAccessBlockXML](t, data, 8<<10, maxPublicAccessBlockElems, "PublicAccessBlockConfiguration")
		p, err := parsePublicAccessBlock(data)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || (ae.Code != codeMalformedXML && ae.Code != codeMaxMessageLengthExceeded) {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		for name, on := range map[string]bool{"BlockPublicAcls": p.BlockPublicAcls, "IgnorePublicAcls": p.IgnorePublicAcls, "BlockPublicPolicy": p.BlockPublicPolicy, "RestrictPublicBuckets": p.RestrictPublicBuckets} {
			if on && !strings.Contains(string(data), name) {
				t.Fatalf("%s on without the element", name)
			}
		}
	})
}

// FuzzACLHeaders: whatever x-amz-acl and x-amz-grant-read hold, headerACL
// answers with one of AWS's refusals or an ACL of known grants.
func FuzzACLHeaders(f *testing.F) {
	f.Add("public-read", "")
	f.Add("", `uri="`+allUsers+`", id="`+owner.ID+`"`)
	f.Add("", `emailAddress="a@example.com"`)
	f.Add("private", "id=x")
	f.Add("", ",,=")
	f.Fuzz(func(t *testing.T, canned, grant string) {
		h := http.Header{}
		if canned != "" {
			h.Set("x-amz-acl", canned)
		}
		if grant != "" {
			h.Set("x-amz-grant-read", grant)
		}
		acl, err := headerACL(h, nil)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || (ae.Code != codeInvalidArgument && ae.Code != codeInvalidRequest && ae.Code != codeMethodNotAllowed && ae.Code != codeMalformedACLError) {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if (canned != "" || grant != "") != (acl != nil) {
			t.Fatalf("headers %q %q gave ACL %+v", canned, grant, acl)
		}
		if acl == nil {
			return
		}
		for _, g := range acl.Grants {
			if !permissions[g.Permission] || (g.Type == meta.GranteeCanonicalUser && g.ID != owner.ID) || (g.Type == meta.GranteeGroup && !groups[g.URI]) || g.Type == meta.GranteeEmail {
				t.Fatalf("accepted grant %+v", g)
			}
		}
	})
}
