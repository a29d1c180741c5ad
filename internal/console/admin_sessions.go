package console

import (
	"net/http"

	"signet/internal/adminclient"
)

type sessionsData struct {
	adminPage
	Sessions []adminclient.Session
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
	c.render(w, r, http.StatusOK, "admin-sessions", s, sessionsData{
		adminPage: adminPage{Tab: "sessions", Title: "Sessions"}, Sessions: list, Own: s.id,
	})
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
