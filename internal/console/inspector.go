package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"signet/internal/adminwire"
	"signet/internal/inspect"
)

type inspectData struct {
	URL    string
	Report string
}

func (c *Console) inspectPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, http.StatusOK, "inspect", s, inspectData{})
}

// inspect shows what `signet inspect URL --endpoint-url` prints for the
// pasted URL: its parts offline, then the server's explanation, asked of
// the admin API in-process as the session (so it needs
// signet:ExplainURL, as the CLI does). It is a POST so the URL, which
// may carry a session token, stays out of the browser's history.
func (c *Console) inspect(w http.ResponseWriter, r *http.Request, s *session) {
	raw := strings.TrimSpace(r.PostFormValue("url"))
	if raw == "" {
		c.render(w, r, http.StatusOK, "inspect", s, inspectData{})
		return
	}
	rep := inspect.New(raw, c.cfg.Wall.Now(), http.MethodGet, nil)
	if rep.Judgeable() {
		endpoint := &url.URL{Scheme: scheme(r), Host: r.Host}
		if why := inspect.NotForEndpoint(rep.URL, rep.Header, endpoint); why != "" {
			rep.ServerError = why // not asked: another server's link
		} else {
			rep.ServerEndpoint = endpoint.String()
			rep.Server, rep.ServerError = c.explain(r, s, raw)
		}
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		c.internal(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "inspect", s, inspectData{URL: raw, Report: out.String()})
}

// explain asks the admin API for the server's explanation of raw; on
// failure it says why, without the URL (which may hold a token).
func (c *Console) explain(r *http.Request, s *session, raw string) (*adminwire.Explanation, string) {
	body, err := json.Marshal(adminwire.ExplainRequest{URL: raw})
	if err != nil {
		return nil, err.Error()
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodPost, admin: adminwire.PathPrefix + "explain", body: body,
		header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}})
	if err != nil {
		return nil, "the console could not ask: " + err.Error()
	}
	if ans.status != http.StatusOK {
		var e adminwire.ErrorBody
		if json.Unmarshal(ans.body, &e) == nil && e.Error != nil {
			return nil, e.Error.Code + ": " + e.Error.Message
		}
		return nil, http.StatusText(ans.status)
	}
	var x adminwire.Explanation
	if err := json.Unmarshal(ans.body, &x); err != nil {
		return nil, "unreadable answer: " + err.Error()
	}
	return &x, ""
}
