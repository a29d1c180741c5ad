package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/adminclient"
)

type rolesData struct {
	adminPage
	Roles []adminclient.Role
	// The create form as typed, and IAM's refusal next to its field.
	Name, Trust, MaxHours string
	NameError, TrustError string
	HoursError            string
}

func rolesURL() string { return adminPrefix + "roles" }

func roleURL(name string) string { return adminPrefix + "role?" + url.Values{"name": {name}}.Encode() }

func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showRoles(w, r, s, http.StatusOK, rolesData{MaxHours: "1"})
}

func (c *Console) showRoles(w http.ResponseWriter, r *http.Request, s *session, status int, d rolesData) {
	roles, err := c.iamAs(r, s).ListRoles(r.Context())
	if err != nil {
		c.adminFailed(w, r, s, Prefix, err)
		return
	}
	d.adminPage, d.Roles = adminPage{Tab: "roles", Title: "Roles"}, roles
	c.render(w, r, status, "admin-roles", s, d)
}

// createRole creates a role from its name, trust policy and maximum
// session duration in hours (IAM's 1 to 12). IAM's refusal of the trust
// policy or the name is shown next to that field.
func (c *Console) createRole(w http.ResponseWriter, r *http.Request, s *session) {
	d := rolesData{Name: strings.TrimSpace(r.PostFormValue("role_name")), Trust: r.PostFormValue("trust_policy"), MaxHours: strings.TrimSpace(r.PostFormValue("max_hours"))}
	hours, err := strconv.Atoi(d.MaxHours)
	if err != nil {
		d.HoursError = "A whole number of hours, from 1 to 12."
		c.showRoles(w, r, s, http.StatusBadRequest, d)
		return
	}
	_, err = c.iamAs(r, s).CreateRole(r.Context(), adminclient.CreateRoleInput{Name: d.Name, TrustPolicy: d.Trust, MaxSessionDuration: time.Duration(hours) * time.Hour})
	if msg, status, ok := fieldError(err); ok {
		switch e, _ := apiRefusal(err); {
		case e.Code == "MalformedPolicyDocument":
			d.TrustError = msg
		case strings.Contains(e.Message, "MaxSessionDuration") || strings.Contains(e.Message, "maxSessionDuration"):
			d.HoursError = msg
		default:
			d.NameError = msg
		}
		c.showRoles(w, r, s, status, d)
		return
	}
	if err != nil {
		c.adminFailed(w, r, s, rolesURL(), err)
		return
	}
	http.Redirect(w, r, roleURL(d.Name), http.StatusSeeOther)
}

// deleteRole deletes a role with its inline policies and attachments, as
// `signet admin role delete --force` does.
func (c *Console) deleteRole(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := c.iamAs(r, s).DeleteRole(r.Context(), r.PostFormValue("role_name"), true); err != nil {
		c.adminFailed(w, r, s, rolesURL(), err)
		return
	}
	http.Redirect(w, r, rolesURL(), http.StatusSeeOther)
}

type roleData struct {
	adminPage
	*adminclient.RoleDetails
	Policies []adminclient.ManagedPolicy
	// RevokedBefore is the cutoff of the role's AWSRevokeOlderSessions
	// policy, zero when it has none.
	RevokedBefore time.Time
}

func (c *Console) rolePage(w http.ResponseWriter, r *http.Request, s *session) {
	ic := c.iamAs(r, s)
	det, err := ic.RoleDetails(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		c.adminFailed(w, r, s, rolesURL(), err)
		return
	}
	d := roleData{adminPage: adminPage{Tab: "roles", Title: "Role " + det.Role.RoleName}, RoleDetails: det}
	d.Policies, _ = ic.ListPolicies(r.Context())
	for _, p := range det.InlinePolicies {
		if p.PolicyName == adminclient.RevokePolicyName {
			d.RevokedBefore, _ = adminclient.RevokedBefore(p.Document)
		}
	}
	c.render(w, r, http.StatusOK, "admin-role", s, d)
}

// revokeRole revokes the role's older sessions as `signet admin revoke
// role` does: the AWSRevokeOlderSessions inline policy, denying every
// request of credentials issued before the cutoff. The cutoff is on the
// server's lifetime clock, the one that stamps sessions (and that
// --dev-clock moves), which the console holds in-process.
func (c *Console) revokeRole(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PostFormValue("role_name")
	rev, err := c.iamAs(r, s).RevokeOlderSessions(r.Context(), adminclient.OwnerRole, name, adminclient.RevokeCutoff(c.cfg.Clock.Now()))
	if err != nil {
		c.adminFailed(w, r, s, roleURL(name), err)
		return
	}
	http.Redirect(w, r, roleURL(rev.Name), http.StatusSeeOther)
}
