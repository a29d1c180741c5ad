package console

import (
	"net/http"
	"strings"

	"signet/internal/adminclient"
)

type sessionsData struct {
	adminPage
	Sessions []sessionRow
	// Own is the console session's own access key ID: terminating it
	// signs this browser out.
	Own string
}

func sessionsURL() string { return adminPrefix + "sessions" }

// sessionsPage lists the live STS sessions as `signet admin session list`
// does (the admin API's GET sessions, so signet:ListSessions).
func (c *Console) sessionsPage(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := c.adminAs(r, s).ListSessions(r.Context(), false)
	if err != nil {
		c.adminFailed(w, r, s, Prefix, err)
		return
	}
	rows := make([]sessionRow, len(list))
	for i, x := range list {
		rows[i] = sessionRow{Session: x, Who: sessionOwner(x)}
	}
	c.render(w, r, http.StatusOK, "admin-sessions", s, sessionsData{
		adminPage: adminPage{Tab: "sessions", Title: "Sessions"}, Sessions: rows, Own: s.id,
	})
}

// sessionRow is a session with whose it is, in words.
type sessionRow struct {
	adminclient.Session
	Who string
}

// sessionOwner names whose a session is: a role's, a user's or the root's.
func sessionOwner(x adminclient.Session) string {
	switch {
	case x.RoleName != "":
		return "role " + x.RoleName
	case x.Kind == adminclient.KindFederatedUser:
		return "federated user " + x.SessionName
	case x.UserName != "":
		return "user " + x.UserName
	case strings.HasSuffix(x.ARN, ":root"):
		return "root"
	}
	return x.ARN
}

// terminateSession ends a session now, as `signet admin session
// terminate` does: every request and URL it signed then fails with
// ExpiredToken. Ending the console's own session signs it out, which the
// next page shows.
func (c *Console) terminateSession(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := c.adminAs(r, s).Terminate(r.Context(), r.PostFormValue("access_key_id")); err != nil {
		c.adminFailed(w, r, s, sessionsURL(), err)
		return
	}
	http.Redirect(w, r, sessionsURL(), http.StatusSeeOther)
}
