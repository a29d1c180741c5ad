package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"signet/internal/adminclient"
	"signet/internal/sigv4"
)

// The administrators' pages (users, access keys, roles, managed
// policies, sessions) call IAM's Query API and the admin API with the
// same clients `signet admin` uses, but their requests never leave the
// process: inProcess serves each one with the server's whole handler, as
// the console's S3 calls are served, so IAM authorises them as the
// console session and a user without rights reads IAM's own refusal.

// inProcess is an http.RoundTripper that answers with the server's
// handler. The request keeps the browser's host, address and TLS state,
// so conditions such as aws:SourceIp see the person at the browser.
type inProcess struct {
	handler http.Handler
	browser *http.Request
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	in := req.Clone(req.Context())
	in.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		in.Body = http.NoBody
	}
	in.ContentLength = int64(len(body))
	if len(body) > 0 {
		// On the wire the transport writes Content-Length from the field;
		// the server's verifier reads the signed value from the header.
		in.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	in.Host, in.RemoteAddr, in.TLS = t.browser.Host, t.browser.RemoteAddr, t.browser.TLS
	in.RequestURI = in.URL.RequestURI()
	rec := &recorder{header: http.Header{}}
	t.handler.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: strconv.Itoa(rec.status) + " " + http.StatusText(rec.status), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()), Request: req,
	}, nil
}

// sessionCredentials gives the IAM client the console session's
// credentials; they are read from the session on each call and never
// leave the process.
type sessionCredentials struct{ s *session }

func (p sessionCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: p.s.id, SecretAccessKey: p.s.cred.Secret.Reveal(), SessionToken: p.s.token, Source: "signet console session"}, nil
}

// endpoint is the server as the browser reaches it.
func endpoint(r *http.Request) *url.URL { return &url.URL{Scheme: scheme(r), Host: r.Host} }

// iamAs is an IAM client acting as the session s for the request r.
func (c *Console) iamAs(r *http.Request, s *session) *adminclient.IAM {
	return adminclient.NewIAM(adminclient.IAMConfig{
		Endpoint: endpoint(r), Region: c.cfg.Region, Credentials: sessionCredentials{s},
		HTTP: &http.Client{Transport: inProcess{c.cfg.S3, r}}, Now: c.cfg.Wall.Now,
	})
}

// adminAs is an admin API client acting as the session s.
func (c *Console) adminAs(r *http.Request, s *session) *adminclient.Client {
	return &adminclient.Client{
		Endpoint: endpoint(r), Region: c.cfg.Region,
		Credentials: adminclient.StaticCredentials(sigv4.Credentials{AccessKeyID: s.id, SecretAccessKey: s.cred.Secret, SessionToken: s.token}),
		HTTP:        &http.Client{Transport: inProcess{c.cfg.S3, r}}, Now: c.cfg.Wall.Now, UserAgent: "signet-console",
	}
}

// apiRefusal is an IAM or admin API error as the API answered it: its
// code, message and status, which the page shows unchanged.
func apiRefusal(err error) (*adminclient.APIError, bool) {
	var e *adminclient.APIError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// adminFailed shows an IAM or admin API refusal on a page of its own (a
// multi-step change that stopped part way also says what it had done);
// anything else is the server's failure.
func (c *Console) adminFailed(w http.ResponseWriter, r *http.Request, s *session, back string, err error) {
	e, ok := apiRefusal(err)
	if !ok {
		c.internal(w, r, err)
		return
	}
	text := e.Message
	var p *adminclient.PartialError
	if errors.As(err, &p) {
		text += " (already done: " + p.Done + ")"
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	c.render(w, r, status, "message", s, messageData{Title: e.Code, Text: text, Back: back})
}

// fieldError is the message shown next to a form field for err, when err
// is IAM's answer about what was typed there (a malformed document, a
// name taken or invalid): the page is then shown again with it.
func fieldError(err error) (string, int, bool) {
	e, ok := apiRefusal(err)
	if !ok {
		return "", 0, false
	}
	switch e.Code {
	case "MalformedPolicyDocument", "EntityAlreadyExists", "ValidationError", "InvalidInput", "LimitExceeded", "PasswordPolicyViolation":
		return e.Code + ": " + e.Message, e.Status, true
	}
	return "", 0, false
}

// adminPage is what every administrators' page carries: which tab is
// current.
type adminPage struct {
	Tab   string
	Title string
}

func (a adminPage) pageTitle() string { return a.Title }

const adminPrefix = Prefix + "admin/"
