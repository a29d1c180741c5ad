package server

import (
	"net/http"
	"strings"
	"time"

	"signet/internal/access"
	"signet/internal/adminapi"
	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/clock"
	"signet/internal/console"
	"signet/internal/reqinfo"
	"signet/internal/requestid"
)

// frontDoor routes one endpoint to its four APIs and the web console: the
// admin API and the console by path, IAM and STS by the service in the
// SigV4 credential scope (as AWS clients sign them), and everything else
// to S3.
type frontDoor struct {
	s3    http.Handler
	auth  *authn.Authenticator
	iam   awsquery.Handler
	sts   awsquery.Handler
	admin *adminapi.API
	// console is the web console, under console.Prefix.
	console http.Handler
	// bodies bounds the large IAM, STS and admin bodies held at once.
	bodies *awsquery.BodyBudget
	// clock is the lifetime clock: a presigned call's remaining life is
	// recorded by it.
	clock clock.Clock
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := reqinfo.From(r.Context())
	if strings.HasPrefix(r.URL.Path, adminapi.Prefix) {
		rec.SetAPI(reqinfo.APIAdmin)
		f.serveAdmin(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, console.Prefix) {
		rec.SetAPI(reqinfo.APIOther)
		f.console.ServeHTTP(w, r)
		return
	}
	switch queryService(r) {
	case "iam":
		rec.SetAPI(reqinfo.APIIAM)
		f.serveQuery(w, r, "iam", f.iam)
	case "sts":
		rec.SetAPI(reqinfo.APISTS)
		f.serveQuery(w, r, "sts", f.sts)
	default:
		f.s3.ServeHTTP(w, r)
	}
}

// queryService names the Query service a request is for, or "" for S3.
// Query calls are made on "/" of the endpoint. The credential scope says
// which service the client signed for; an unsigned form POST to "/" is
// treated as STS (it will be refused as unauthenticated, as AWS does).
func queryService(r *http.Request) string {
	if r.URL.Path != "/" {
		return ""
	}
	scope := ""
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "AWS4-HMAC-SHA256") {
		if _, after, ok := strings.Cut(a, "Credential="); ok {
			scope, _, _ = strings.Cut(after, ",")
		}
	} else if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		scope = c
	} else if r.Method == http.MethodPost && a == "" &&
		strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return "sts"
	}
	parts := strings.Split(strings.TrimSpace(scope), "/")
	if len(parts) == 5 {
		switch parts[3] {
		case "iam", "sts":
			return parts[3]
		}
	}
	return ""
}

func (f *frontDoor) serveQuery(w http.ResponseWriter, r *http.Request, service string, h awsquery.Handler) {
	reqID := requestid.FromContext(r.Context())
	ns := h.Namespace()
	body, release, err := f.bodies.ReadBody(r.Context(), r)
	defer release()
	if err != nil {
		awsquery.WriteError(w, ns, awsquery.CodeRequestEntityTooLarge.Err(http.StatusRequestEntityTooLarge, "The request body is too large."), reqID)
		return
	}
	res, err := f.auth.AuthenticateService(r, service, body)
	f.recordAuth(r, res, err)
	if err != nil {
		awsquery.WriteError(w, ns, awsquery.FromAuth(err, service), reqID)
		return
	}
	if res.Anonymous {
		awsquery.WriteError(w, ns, awsquery.MissingAuthentication(), reqID)
		return
	}
	params, err := awsquery.Params(r, body)
	if err != nil {
		awsquery.WriteError(w, ns, err.(*awsquery.Error), reqID)
		return
	}
	call := &awsquery.Call{Action: params.Get("Action"), Version: params.Get("Version"), Params: params, Auth: res, RequestID: reqID}
	if call.Action == "" {
		awsquery.WriteError(w, ns, awsquery.ErrMissingAction, reqID)
		return
	}
	// The authoriser reads condition keys such as iam:PolicyARN from the
	// call's parameters.
	h.ServeQuery(w, r.WithContext(access.WithParams(r.Context(), params)), call)
}

func (f *frontDoor) serveAdmin(w http.ResponseWriter, r *http.Request) {
	reqID := requestid.FromContext(r.Context())
	body, release, err := f.bodies.ReadBody(r.Context(), r)
	defer release()
	if err != nil {
		adminapi.WriteError(w, &adminapi.Error{Status: http.StatusRequestEntityTooLarge, Code: "InvalidRequest", Message: "request body too large"}, reqID)
		return
	}
	res, err := f.auth.AuthenticateService(r, adminapi.Service, body)
	f.recordAuth(r, res, err)
	if err != nil {
		qe := awsquery.FromAuth(err, adminapi.Service)
		adminapi.WriteError(w, &adminapi.Error{Status: qe.Status, Code: qe.Code, Message: qe.Message}, reqID)
		return
	}
	if res.Anonymous {
		adminapi.WriteError(w, &adminapi.Error{Status: http.StatusForbidden, Code: "MissingAuthenticationToken",
			Message: "admin calls must be signed with SigV4 (service \"signet\"); use 'signet admin'"}, reqID)
		return
	}
	f.admin.Serve(w, r, res, body, reqID)
}

// recordAuth notes the caller, or why authentication refused it, in the
// request's record.
func (f *frontDoor) recordAuth(r *http.Request, res *authn.Result, err error) {
	rec := reqinfo.From(r.Context())
	if rec == nil {
		return
	}
	var now time.Time
	if err == nil && !res.Deadline.IsZero() {
		now = f.clock.Now()
	}
	rec.SetAuth(r, res, err, now)
}
