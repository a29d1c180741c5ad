package iamapi

import (
	"encoding/base64"
	"encoding/xml"
	"strconv"
	"strings"

	"signet/internal/awsquery"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
)

// actions is every IAM action served. Anything else is InvalidAction.
var actions map[string]actionFunc

func init() {
	actions = map[string]actionFunc{
		"CreateUser":      createUser,
		"GetUser":         getUser,
		"ListUsers":       listUsers,
		"DeleteUser":      deleteUser,
		"CreateAccessKey": createAccessKey,
		"ListAccessKeys":  listAccessKeys,
		"UpdateAccessKey": updateAccessKey,
		"DeleteAccessKey": deleteAccessKey,

		"CreateLoginProfile":          createLoginProfile,
		"GetLoginProfile":             getLoginProfile,
		"UpdateLoginProfile":          updateLoginProfile,
		"DeleteLoginProfile":          deleteLoginProfile,
		"ChangePassword":              changePassword,
		"UpdateAccountPasswordPolicy": updateAccountPasswordPolicy,
		"GetAccountPasswordPolicy":    getAccountPasswordPolicy,
		"DeleteAccountPasswordPolicy": deleteAccountPasswordPolicy,

		"CreateRole":             createRole,
		"GetRole":                getRole,
		"ListRoles":              listRoles,
		"UpdateRole":             updateRole,
		"UpdateAssumeRolePolicy": updateAssumeRolePolicy,
		"DeleteRole":             deleteRole,

		"PutUserPolicy":    putInline(principal.OwnerUser),
		"GetUserPolicy":    getInline(principal.OwnerUser),
		"ListUserPolicies": listInline(principal.OwnerUser),
		"DeleteUserPolicy": deleteInline(principal.OwnerUser),
		"PutRolePolicy":    putInline(principal.OwnerRole),
		"GetRolePolicy":    getInline(principal.OwnerRole),
		"ListRolePolicies": listInline(principal.OwnerRole),
		"DeleteRolePolicy": deleteInline(principal.OwnerRole),

		"CreatePolicy":     createPolicy,
		"GetPolicy":        getPolicy,
		"GetPolicyVersion": getPolicyVersion,
		"ListPolicies":     listPolicies,
		"DeletePolicy":     deletePolicy,

		"AttachUserPolicy":         attach(principal.OwnerUser),
		"DetachUserPolicy":         detach(principal.OwnerUser),
		"ListAttachedUserPolicies": listAttached(principal.OwnerUser),
		"AttachRolePolicy":         attach(principal.OwnerRole),
		"DetachRolePolicy":         detach(principal.OwnerRole),
		"ListAttachedRolePolicies": listAttached(principal.OwnerRole),
	}
}

// Actions returns the names of the actions served, for documentation and
// tests.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	return out
}

// Parameters.

// required returns a parameter that must be present; field is its name in
// the model, as validation messages spell it.
func (q *call) required(param, field string) (string, error) {
	if !q.c.Has(param) {
		return "", awsquery.Missing(field)
	}
	return q.c.Get(param), nil
}

// ownerParams names the parameter, and its model field, that holds the
// name of an owner of the given kind.
func ownerParams(kind principal.OwnerKind) (param, field string) {
	if kind == principal.OwnerRole {
		return "RoleName", "roleName"
	}
	return "UserName", "userName"
}

// noUserName is IAM's answer when an action that defaults to the calling
// user is called by something that is not an IAM user.
var noUserName = ValidationError.err("Must specify userName when calling with non-User credentials")

// selfOrNamed returns the UserName parameter, or the calling IAM user
// when it is absent. Role sessions have no user to default to; nor does
// root here, whose keys signet keeps outside IAM.
func (q *call) selfOrNamed() (string, error) {
	if n := q.c.Get("UserName"); n != "" {
		return n, nil
	}
	p := q.c.Auth.Principal
	if p.SessionKind == "" && !p.IsRoot && p.UserName != "" {
		return p.UserName, nil
	}
	return "", noUserName
}

// Resource ARNs for the authoriser. An entity's ARN holds its path, so
// the stored entity is read when it exists; otherwise the ARN it would
// have at "/".

func (q *call) userARN(name string) string {
	if u, err := q.h.iam.GetUser(q.ctx, name); err == nil {
		return q.h.iam.UserARN(u)
	}
	return q.h.iam.ARN("user", "/", name)
}

func (q *call) roleARN(name string) string {
	if r, err := q.h.iam.GetRole(q.ctx, name); err == nil {
		return q.h.iam.RoleARN(r)
	}
	return q.h.iam.ARN("role", "/", name)
}

func (q *call) ownerARN(o meta.Owner) string {
	if o.Kind == principal.OwnerRole {
		return q.roleARN(o.Name)
	}
	return q.userARN(o.Name)
}

// Lists. Every IAM list action answers the same way: one page of the
// items, chosen by MaxItems (1..1000, default 100) and the opaque Marker of
// the previous page, under the list's element, then IsTruncated and, on a
// truncated page, the Marker of the next. list does all of that; an action
// says only what it lists and how an item is written.

const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// list answers a list action with the page of items (fetched with err)
// that the call's Marker and MaxItems select, each item written by put,
// under the element name.
func list[T, X any](q *call, name string, items []T, err error, put func(T) X) (any, error) {
	if err != nil {
		return nil, err
	}
	page, truncated, marker, err := paginate(q, items)
	if err != nil {
		return nil, err
	}
	out := listResult[X]{name: name, IsTruncated: truncated, Marker: marker}
	for _, it := range page {
		out.Items = append(out.Items, put(it))
	}
	return out, nil
}

// listResult is a list action's result element: <name><member>…</member>
// …</name>, <IsTruncated>, and <Marker> when there is a next page.
type listResult[X any] struct {
	name        string
	Items       []X
	IsTruncated bool
	Marker      string
}

func (r listResult[X]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	elem := func(name string) xml.StartElement { return xml.StartElement{Name: xml.Name{Local: name}} }
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeElement(members[X]{r.Items}, elem(r.name)); err != nil {
		return err
	}
	if err := e.EncodeElement(r.IsTruncated, elem("IsTruncated")); err != nil {
		return err
	}
	if r.Marker != "" {
		if err := e.EncodeElement(r.Marker, elem("Marker")); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// members is a list in the Query protocol's encoding.
type members[T any] struct {
	Member []T `xml:"member"`
}

// paginate picks the page of items that the call's Marker and MaxItems
// select.
func paginate[T any](q *call, items []T) (page []T, truncated bool, marker string, err error) {
	max := defaultMaxItems
	if v := q.c.Get("MaxItems"); v != "" {
		n, perr := strconv.Atoi(v)
		switch {
		case perr != nil:
			return nil, false, "", awsquery.Validation(iam.Violation{Field: "maxItems", Value: v, Rule: iam.RuleNumber})
		case n < 1:
			return nil, false, "", awsquery.Validation(iam.Violation{Field: "maxItems", Value: v, Rule: iam.RuleMinValue, Limit: 1})
		case n > maxMaxItems:
			return nil, false, "", awsquery.Validation(iam.Violation{Field: "maxItems", Value: v, Rule: iam.RuleMaxValue, Limit: maxMaxItems})
		}
		max = n
	}
	start := 0
	if m := q.c.Get("Marker"); m != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(m)
		n, aerr := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if derr != nil || aerr != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 {
			return nil, false, "", InvalidInput.err("Invalid Marker.")
		}
		start = min(n, len(items))
	}
	end := min(start+max, len(items))
	if end < len(items) {
		marker = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
	}
	return items[start:end], end < len(items), marker, nil
}

// Users.

func createUser(q *call) (any, error) {
	name, err := q.required("UserName", "userName")
	if err != nil {
		return nil, err
	}
	path := q.c.Get("Path")
	arnPath := path
	if arnPath == "" {
		arnPath = "/"
	}
	if err := q.authorize(q.h.iam.ARN("user", arnPath, name)); err != nil {
		return nil, err
	}
	u, err := q.h.iam.CreateUser(q.ctx, name, path)
	if err != nil {
		return nil, err
	}
	return userResult{User: q.h.user(u)}, nil
}

func getUser(q *call) (any, error) {
	name := q.c.Get("UserName")
	p := q.c.Auth.Principal
	if name == "" {
		switch {
		case p.IsRoot:
			// Root is no IAM user: IAM answers with its ARN and the
			// account ID as UserId, without a name or path.
			if err := q.authorize(q.h.iam.RootARN()); err != nil {
				return nil, err
			}
			return userResult{User: userXML{UserId: q.h.iam.Account(), Arn: q.h.iam.RootARN(), CreateDate: isoTime(q.h.iam.RootCreated())}}, nil
		case p.SessionKind == "" && p.UserName != "":
			name = p.UserName
		default:
			return nil, noUserName
		}
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	u, err := q.h.iam.GetUser(q.ctx, name)
	if err != nil {
		return nil, err
	}
	return userResult{User: q.h.user(u)}, nil
}

func listUsers(q *call) (any, error) {
	if err := q.authorize("*"); err != nil {
		return nil, err
	}
	us, err := q.h.iam.ListUsers(q.ctx, q.c.Get("PathPrefix"))
	return list(q, "Users", us, err, q.h.user)
}

func deleteUser(q *call) (any, error) {
	name, err := q.required("UserName", "userName")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeleteUser(q.ctx, name)
}

// Access keys.

func createAccessKey(q *call) (any, error) {
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	k, sec, err := q.h.iam.CreateAccessKey(q.ctx, name)
	if err != nil {
		return nil, err
	}
	// The one place a secret leaves signet: to its owner, at creation.
	return createAccessKeyResult{AccessKey: accessKeyXML{
		UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status),
		SecretAccessKey: sec.Reveal(), CreateDate: isoTime(k.Created),
	}}, nil
}

func listAccessKeys(q *call) (any, error) {
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	ks, err := q.h.iam.ListAccessKeys(q.ctx, name)
	return list(q, "AccessKeyMetadata", ks, err, func(k meta.AccessKey) accessKeyMetaXML {
		return accessKeyMetaXML{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: isoTime(k.Created)}
	})
}

func updateAccessKey(q *call) (any, error) {
	id, err := q.required("AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	status, err := q.required("Status", "status")
	if err != nil {
		return nil, err
	}
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.UpdateAccessKey(q.ctx, name, id, principal.KeyStatus(status))
}

func deleteAccessKey(q *call) (any, error) {
	id, err := q.required("AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	name, err := q.selfOrNamed()
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.userARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeleteAccessKey(q.ctx, name, id)
}

// Roles.

// intParam parses an optional integer parameter.
func (q *call) intParam(param, field string) (*int, error) {
	if !q.c.Has(param) {
		return nil, nil
	}
	v := q.c.Get(param)
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, awsquery.Validation(iam.Violation{Field: field, Value: v, Rule: iam.RuleNumber})
	}
	return &n, nil
}

func createRole(q *call) (any, error) {
	name, err := q.required("RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	doc, err := q.required("AssumeRolePolicyDocument", "assumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	msd, err := q.intParam("MaxSessionDuration", "maxSessionDuration")
	if err != nil {
		return nil, err
	}
	in := iam.CreateRoleInput{Name: name, Path: q.c.Get("Path"), AssumeRolePolicyDocument: doc, Description: q.c.Get("Description")}
	if msd != nil {
		if *msd == 0 {
			// 0 would read as "default" below the domain; the model says
			// at least 3600.
			return nil, awsquery.Validation(iam.Violation{Field: "maxSessionDuration", Value: "0", Rule: iam.RuleMinValue, Limit: iam.MinMaxSessionDuration})
		}
		in.MaxSessionDuration = *msd
	}
	arnPath := in.Path
	if arnPath == "" {
		arnPath = "/"
	}
	if err := q.authorize(q.h.iam.ARN("role", arnPath, name)); err != nil {
		return nil, err
	}
	r, err := q.h.iam.CreateRole(q.ctx, in)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: q.h.role(r)}, nil
}

func getRole(q *call) (any, error) {
	name, err := q.required("RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.roleARN(name)); err != nil {
		return nil, err
	}
	r, err := q.h.iam.GetRole(q.ctx, name)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: q.h.role(r)}, nil
}

func listRoles(q *call) (any, error) {
	if err := q.authorize("*"); err != nil {
		return nil, err
	}
	rs, err := q.h.iam.ListRoles(q.ctx, q.c.Get("PathPrefix"))
	return list(q, "Roles", rs, err, q.h.role)
}

func updateRole(q *call) (any, error) {
	name, err := q.required("RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	var in iam.UpdateRoleInput
	if q.c.Has("Description") {
		d := q.c.Get("Description")
		in.Description = &d
	}
	if in.MaxSessionDuration, err = q.intParam("MaxSessionDuration", "maxSessionDuration"); err != nil {
		return nil, err
	}
	if err := q.authorize(q.roleARN(name)); err != nil {
		return nil, err
	}
	if _, err := q.h.iam.UpdateRole(q.ctx, name, in); err != nil {
		return nil, err
	}
	return emptyResult{}, nil
}

func updateAssumeRolePolicy(q *call) (any, error) {
	name, err := q.required("RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	doc, err := q.required("PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.roleARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.UpdateAssumeRolePolicy(q.ctx, name, doc)
}

func deleteRole(q *call) (any, error) {
	name, err := q.required("RoleName", "roleName")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(q.roleARN(name)); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeleteRole(q.ctx, name)
}

// Inline policies of users and roles.

func (q *call) owner(kind principal.OwnerKind) (meta.Owner, error) {
	param, field := ownerParams(kind)
	name, err := q.required(param, field)
	if err != nil {
		return meta.Owner{}, err
	}
	return meta.Owner{Kind: kind, Name: name}, nil
}

func putInline(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		name, err := q.required("PolicyName", "policyName")
		if err != nil {
			return nil, err
		}
		doc, err := q.required("PolicyDocument", "policyDocument")
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		return nil, q.h.iam.PutInlinePolicy(q.ctx, o, name, doc)
	}
}

func getInline(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		name, err := q.required("PolicyName", "policyName")
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		p, err := q.h.iam.GetInlinePolicy(q.ctx, o, name)
		if err != nil {
			return nil, err
		}
		if kind == principal.OwnerRole {
			return rolePolicyResult{RoleName: q.canonicalOwner(o), PolicyName: p.Name, PolicyDocument: policyDoc(p.Document)}, nil
		}
		return userPolicyResult{UserName: q.canonicalOwner(o), PolicyName: p.Name, PolicyDocument: policyDoc(p.Document)}, nil
	}
}

// canonicalOwner is the owner's name as created (names match whatever
// their case).
func (q *call) canonicalOwner(o meta.Owner) string {
	if o.Kind == principal.OwnerRole {
		if r, err := q.h.iam.GetRole(q.ctx, o.Name); err == nil {
			return r.Name
		}
	} else if u, err := q.h.iam.GetUser(q.ctx, o.Name); err == nil {
		return u.Name
	}
	return o.Name
}

func listInline(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		names, err := q.h.iam.ListInlinePolicies(q.ctx, o)
		return list(q, "PolicyNames", names, err, func(n string) string { return n })
	}
}

func deleteInline(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		name, err := q.required("PolicyName", "policyName")
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		return nil, q.h.iam.DeleteInlinePolicy(q.ctx, o, name)
	}
}

// Managed policies.

func createPolicy(q *call) (any, error) {
	name, err := q.required("PolicyName", "policyName")
	if err != nil {
		return nil, err
	}
	doc, err := q.required("PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	in := iam.CreatePolicyInput{Name: name, Path: q.c.Get("Path"), Description: q.c.Get("Description"), Document: doc}
	arnPath := in.Path
	if arnPath == "" {
		arnPath = "/"
	}
	if err := q.authorize(q.h.iam.ARN("policy", arnPath, name)); err != nil {
		return nil, err
	}
	p, err := q.h.iam.CreatePolicy(q.ctx, in)
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: policy(p, false)}, nil
}

func getPolicy(q *call) (any, error) {
	arn, err := q.required("PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(arn); err != nil {
		return nil, err
	}
	p, err := q.h.iam.GetPolicy(q.ctx, arn)
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: policy(p, true)}, nil
}

func getPolicyVersion(q *call) (any, error) {
	arn, err := q.required("PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	version, err := q.required("VersionId", "versionId")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(arn); err != nil {
		return nil, err
	}
	v, err := q.h.iam.GetPolicyVersion(q.ctx, arn, version)
	if err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: policyVersionXML{
		Document: policyDoc(v.Document), VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: isoTime(v.Created),
	}}, nil
}

func listPolicies(q *call) (any, error) {
	scope := iam.ScopeAll
	switch s := q.c.Get("Scope"); s {
	case "", "All":
	case "AWS":
		scope = iam.ScopeAWS
	case "Local":
		scope = iam.ScopeLocal
	default:
		return nil, awsquery.Validation(iam.Violation{Field: "scope", Value: s, Rule: iam.RuleEnum, Set: "[All, AWS, Local]"})
	}
	onlyAttached := false
	switch v := q.c.Get("OnlyAttached"); v {
	case "", "false":
	case "true":
		onlyAttached = true
	default:
		return nil, awsquery.Validation(iam.Violation{Field: "onlyAttached", Value: v, Rule: iam.RuleBoolean})
	}
	if err := q.authorize("*"); err != nil {
		return nil, err
	}
	ps, err := q.h.iam.ListPolicies(q.ctx, scope, onlyAttached, q.c.Get("PathPrefix"))
	return list(q, "Policies", ps, err, func(p iam.ManagedPolicy) policyXML { return policy(p, false) })
}

func deletePolicy(q *call) (any, error) {
	arn, err := q.required("PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	if err := q.authorize(arn); err != nil {
		return nil, err
	}
	return nil, q.h.iam.DeletePolicy(q.ctx, arn)
}

// Attachments. The resource is the user or role, as in AWS's
// authorisation of AttachUserPolicy and AttachRolePolicy.

func attach(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		arn, err := q.required("PolicyArn", "policyArn")
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		return nil, q.h.iam.AttachPolicy(q.ctx, o, arn)
	}
}

func detach(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		arn, err := q.required("PolicyArn", "policyArn")
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		return nil, q.h.iam.DetachPolicy(q.ctx, o, arn)
	}
}

func listAttached(kind principal.OwnerKind) actionFunc {
	return func(q *call) (any, error) {
		o, err := q.owner(kind)
		if err != nil {
			return nil, err
		}
		if err := q.authorize(q.ownerARN(o)); err != nil {
			return nil, err
		}
		as, err := q.h.iam.ListAttachedPolicies(q.ctx, o, q.c.Get("PathPrefix"))
		return list(q, "AttachedPolicies", as, err, func(a iam.AttachedPolicy) attachedPolicyXML {
			return attachedPolicyXML{PolicyName: a.Name, PolicyArn: a.ARN}
		})
	}
}
