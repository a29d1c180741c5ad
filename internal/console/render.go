package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"signet/internal/duration"
	"signet/internal/requestid"
)

// page is what the layout template reads; Data is the page's own.
type page struct {
	Title   string
	Who     string
	Ends    string
	CSRF    string
	Prefix  string
	Data    any
	Session bool
}

type messageData struct {
	Title string
	Text  string
	Back  string
}

var funcs = template.FuncMap{
	"prefix": func() string { return Prefix },
	"utc":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"size":   humanSize,
	"dur":    duration.Human,
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "assets/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(n[len("assets/pages/"):], ".html")] = t
	}
	return pages, nil
}

// render writes page name with data, in the layout, with status. The page
// is rendered to a buffer first, so a template error becomes a 500 and not
// half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, data any) {
	p := page{Prefix: Prefix, Data: data, Title: titleOf(name, data)}
	if s != nil {
		p.Session, p.CSRF, p.Who = true, s.csrf, whoName(s)
		p.Ends = s.expiry().UTC().Format("15:04 UTC")
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, p); err != nil {
		c.cfg.Logger.Error("console: rendering a page", "page", name, "err", err, "request_id", requestid.FromContext(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func titleOf(name string, data any) string {
	// The administrators' pages name themselves.
	if t, ok := data.(interface{ pageTitle() string }); ok {
		return t.pageTitle()
	}
	switch d := data.(type) {
	case interface{ pageTitle() string }:
		return d.pageTitle()
	case messageData:
		return d.Title
	case objectsData:
		return "Bucket " + d.Bucket
	case settingsData:
		return "Settings of bucket " + d.Bucket
	}
	return map[string]string{
		"sign-in": "Sign in", "buckets": "Buckets", "objects": "Objects", "object": "Object",
		"share": "Share a link", "inspect": "Inspect a link",
	}[name]
}

// whoName names the session's principal for the header.
func whoName(s *session) string {
	p := s.principal()
	if p.IsRoot {
		return "root (account " + p.Account + ")"
	}
	if p.UserName != "" {
		return p.UserName
	}
	return p.ARN
}

func (c *Console) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	s, _ := c.lookupSession(r.Context(), r)
	c.render(w, r, status, "message", s, messageData{Title: title, Text: text, Back: Prefix})
}

func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, text string) {
	c.message(w, r, http.StatusForbidden, "Refused", text)
}

func (c *Console) badRequest(w http.ResponseWriter, r *http.Request, text string) {
	c.message(w, r, http.StatusBadRequest, "Bad request", text)
}

// internal answers a failure of the server: the details go to the log
// with the request ID, never to the page.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, err error) {
	id := requestid.FromContext(r.Context())
	c.cfg.Logger.Error("console", "err", err, "request_id", id)
	c.message(w, r, http.StatusInternalServerError, "Internal error", "The server failed; request "+id+" in its log says why.")
}

// s3Failed shows an S3 error as the API answered it.
func (c *Console) s3Failed(w http.ResponseWriter, r *http.Request, s *session, status int, e *s3Error) {
	c.render(w, r, status, "message", s, messageData{Title: e.Code, Text: e.Message, Back: Prefix})
}

// humanSize writes n bytes in binary units.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
