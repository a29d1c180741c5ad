package console

import (
	"net/http"
	"strings"

	"signet/internal/adminclient"
)

type policiesData struct {
	adminPage
	Policies []adminclient.ManagedPolicy
	// The create form as typed, and IAM's refusal next to its field.
	Name, Document      string
	NameError, DocError string
}

func policiesURL() string { return adminPrefix + "policies" }

func (c *Console) policiesPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showPolicies(w, r, s, http.StatusOK, policiesData{})
}

func (c *Console) showPolicies(w http.ResponseWriter, r *http.Request, s *session, status int, d policiesData) {
	ps, err := c.iamAs(r, s).ListPolicies(r.Context())
	if err != nil {
		c.adminFailed(w, r, s, Prefix, err)
		return
	}
	d.adminPage, d.Policies = adminPage{Tab: "policies", Title: "Managed policies"}, ps
	c.render(w, r, status, "admin-policies", s, d)
}

// createPolicy creates a customer managed policy; IAM's refusal of the
// document (MalformedPolicyDocument, with what is wrong) or of the name
// is shown next to that field, with what was typed kept.
func (c *Console) createPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	d := policiesData{Name: strings.TrimSpace(r.PostFormValue("policy_name")), Document: r.PostFormValue("document")}
	_, err := c.iamAs(r, s).CreatePolicy(r.Context(), d.Name, d.Document)
	if msg, status, ok := fieldError(err); ok {
		if e, _ := apiRefusal(err); e.Code == "MalformedPolicyDocument" {
			d.DocError = msg
		} else {
			d.NameError = msg
		}
		c.showPolicies(w, r, s, status, d)
		return
	}
	if err != nil {
		c.adminFailed(w, r, s, policiesURL(), err)
		return
	}
	http.Redirect(w, r, policiesURL(), http.StatusSeeOther)
}

// ownerForm reads which user or role a policy form is about, and the page
// to go back to.
func ownerForm(r *http.Request) (kind, name, back string, ok bool) {
	kind, name = r.PostFormValue("kind"), r.PostFormValue("name")
	switch kind {
	case adminclient.OwnerUser:
		return kind, name, userURL(name), true
	case adminclient.OwnerRole:
		return kind, name, roleURL(name), true
	}
	return "", "", "", false
}

func (c *Console) attachPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	kind, name, back, ok := ownerForm(r)
	if !ok {
		c.badRequest(w, r, "A policy is attached to a user or a role.")
		return
	}
	if _, err := c.iamAs(r, s).Attach(r.Context(), kind, name, strings.TrimSpace(r.PostFormValue("policy_arn"))); err != nil {
		c.adminFailed(w, r, s, back, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (c *Console) detachPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	kind, name, back, ok := ownerForm(r)
	if !ok {
		c.badRequest(w, r, "A policy is detached from a user or a role.")
		return
	}
	if err := c.iamAs(r, s).Detach(r.Context(), kind, name, r.PostFormValue("policy_arn")); err != nil {
		c.adminFailed(w, r, s, back, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
