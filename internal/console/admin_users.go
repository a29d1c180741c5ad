package console

import (
	"net/http"
	"net/url"
	"strings"

	"signet/internal/adminclient"
)

type usersData struct {
	adminPage
	Users     []adminclient.User
	Name      string // the name typed into the create form
	NameError string
}

func usersURL() string { return adminPrefix + "users" }

func userURL(name string) string { return adminPrefix + "user?" + url.Values{"name": {name}}.Encode() }

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showUsers(w, r, s, http.StatusOK, usersData{})
}

func (c *Console) showUsers(w http.ResponseWriter, r *http.Request, s *session, status int, d usersData) {
	users, err := c.iamAs(r, s).ListUsers(r.Context())
	if err != nil {
		c.adminFailed(w, r, s, Prefix, err)
		return
	}
	d.adminPage, d.Users = adminPage{Tab: "users", Title: "Users"}, users
	c.render(w, r, status, "admin-users", s, d)
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("user_name"))
	u, err := c.iamAs(r, s).CreateUser(r.Context(), name)
	if msg, status, ok := fieldError(err); ok {
		c.showUsers(w, r, s, status, usersData{Name: name, NameError: msg})
		return
	}
	if err != nil {
		c.adminFailed(w, r, s, usersURL(), err)
		return
	}
	http.Redirect(w, r, userURL(u.UserName), http.StatusSeeOther)
}

// deleteUser deletes a user as `signet admin user delete --force` does:
// its login profile, access keys and policies first, then the user.
func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	name, ok := c.userNamed(w, r)
	if !ok {
		return
	}
	if _, err := c.iamAs(r, s).DeleteUser(r.Context(), name, true); err != nil {
		c.adminFailed(w, r, s, usersURL(), err)
		return
	}
	http.Redirect(w, r, usersURL(), http.StatusSeeOther)
}

type userData struct {
	adminPage
	*adminclient.UserDetails
	// Policies are the managed policies offered for attaching; empty
	// when the session may not list them (the ARN can still be typed).
	Policies      []adminclient.ManagedPolicy
	PasswordError string
	PasswordSet   string
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.showUser(w, r, s, http.StatusOK, r.URL.Query().Get("name"), userData{PasswordSet: r.URL.Query().Get("password")})
}

func (c *Console) showUser(w http.ResponseWriter, r *http.Request, s *session, status int, name string, d userData) {
	ic := c.iamAs(r, s)
	det, err := ic.UserDetails(r.Context(), name)
	if err != nil {
		c.adminFailed(w, r, s, usersURL(), err)
		return
	}
	d.Policies, _ = ic.ListPolicies(r.Context())
	d.adminPage, d.UserDetails = adminPage{Tab: "users", Title: "User " + det.User.UserName}, det
	c.render(w, r, status, "admin-user", s, d)
}

// setPassword gives the user a console password: CreateLoginProfile, or
// UpdateLoginProfile when it has one, as `signet admin user password`
// does. IAM's password policy refusals are shown next to the field.
func (c *Console) setPassword(w http.ResponseWriter, r *http.Request, s *session) {
	name, ok := c.userNamed(w, r)
	if !ok {
		return
	}
	set, err := c.iamAs(r, s).SetPassword(r.Context(), name, r.PostFormValue("password"), r.PostFormValue("reset") == "on")
	if msg, status, ok := fieldError(err); ok {
		c.showUser(w, r, s, status, name, userData{PasswordError: msg})
		return
	}
	if err != nil {
		c.adminFailed(w, r, s, userURL(name), err)
		return
	}
	done := "updated"
	if set.Created {
		done = "created"
	}
	http.Redirect(w, r, userURL(set.UserName)+"&password="+done, http.StatusSeeOther)
}

type newKeyData struct {
	adminPage
	UserName, AccessKeyID, Secret string
}

// createKey makes an access key and shows its secret on this answer only:
// IAM never gives it again, the console keeps no copy, the page is not
// cached (Cache-Control: no-store) and a reload cannot resend the form's
// answer, only ask for another key.
func (c *Console) createKey(w http.ResponseWriter, r *http.Request, s *session) {
	name, ok := c.userNamed(w, r)
	if !ok {
		return
	}
	k, err := c.iamAs(r, s).CreateAccessKey(r.Context(), name)
	if err != nil {
		c.adminFailed(w, r, s, userURL(name), err)
		return
	}
	c.render(w, r, http.StatusOK, "admin-key", s, newKeyData{
		adminPage: adminPage{Tab: "users", Title: "New access key"},
		UserName:  k.UserName, AccessKeyID: k.AccessKeyID, Secret: k.Secret.Reveal(),
	})
}

func (c *Console) setKeyStatus(w http.ResponseWriter, r *http.Request, s *session) {
	name, ok := c.userNamed(w, r)
	if !ok {
		return
	}
	status := r.PostFormValue("status")
	if status != adminclient.KeyActive && status != adminclient.KeyInactive {
		c.badRequest(w, r, "A key's status is Active or Inactive.")
		return
	}
	if _, err := c.iamAs(r, s).SetAccessKeyStatus(r.Context(), name, r.PostFormValue("access_key_id"), status); err != nil {
		c.adminFailed(w, r, s, userURL(name), err)
		return
	}
	http.Redirect(w, r, userURL(name), http.StatusSeeOther)
}

func (c *Console) deleteKey(w http.ResponseWriter, r *http.Request, s *session) {
	name, ok := c.userNamed(w, r)
	if !ok {
		return
	}
	if err := c.iamAs(r, s).DeleteAccessKey(r.Context(), name, r.PostFormValue("access_key_id")); err != nil {
		c.adminFailed(w, r, s, userURL(name), err)
		return
	}
	http.Redirect(w, r, userURL(name), http.StatusSeeOther)
}

// userNamed reads the form's user name. IAM's key calls without one act
// on the caller's own keys (for the root, root access keys), which no
// form on these pages means: such a request is refused here.
func (c *Console) userNamed(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PostFormValue("user_name")
	if name == "" {
		c.badRequest(w, r, "No user was named.")
		return "", false
	}
	return name, true
}
