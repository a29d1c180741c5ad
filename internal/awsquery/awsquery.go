// Package awsquery is the AWS Query protocol that IAM and STS speak:
// form-encoded Action/Version parameters in, XML envelopes out.
package awsquery

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"signet/internal/errdoc"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/reqinfo"
)

// Namespaces of the two Query services signet serves.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// MaxBody bounds a Query request body. IAM's largest inputs are policy
// documents (at most 10 KiB for a role's inline policy, URL-encoded to at
// most three times that), so 1 MiB is generous.
const MaxBody = 1 << 20

// MaxParams bounds the parameters of one request, query and body
// together. AWS documents no such limit; the largest request of an
// implemented action (AssumeRole with 10 policy ARNs, 50 session tags and
// 50 transitive tag keys) has under 200, and net/url stops at 10,000.
// Counting first refuses a body of a million tiny parameters before a map
// entry is made for any of them.
const MaxParams = 1000

// ErrBodyTooLarge is returned by ReadBody for a body over MaxBody.
var ErrBodyTooLarge = errors.New("awsquery: request body too large")

// ReadBody reads a Query request's body, at most MaxBody bytes. A body
// that declares a longer Content-Length is refused before a byte of it is
// read; one that declares its length is read into one buffer of that
// size, so a body costs what it weighs and no regrowth besides.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > MaxBody {
		return nil, ErrBodyTooLarge
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		// bytes.Buffer reads in steps of at least bytes.MinRead: room for
		// one more step lets it see EOF without growing.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBody+1)); err != nil {
		return nil, err
	}
	if buf.Len() > MaxBody {
		return nil, ErrBodyTooLarge
	}
	if buf.Len() == 0 {
		return nil, nil
	}
	return buf.Bytes(), nil
}

// Params merges the URL query and a form-encoded body, as AWS does: either
// may carry the parameters.
func Params(r *http.Request, body []byte) (url.Values, error) {
	if countParams(r.URL.RawQuery)+countParams(body) > MaxParams {
		return nil, CodeInvalidQueryParameter.Err(http.StatusBadRequest,
			fmt.Sprintf("The AWS query string is malformed or does not adhere to AWS standards: more than %d parameters.", MaxParams))
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, CodeMalformedQueryString.Err(http.StatusBadRequest, "The query string is malformed.")
	}
	if len(body) > 0 {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			return nil, CodeInvalidParameterValue.Err(http.StatusBadRequest, "Content-Type must be application/x-www-form-urlencoded.")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, CodeMalformedQueryString.Err(http.StatusBadRequest, "The request body is not valid form encoding.")
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params, nil
}

// countParams counts the parameters of form-encoded s as net/url splits
// them, without parsing or copying: one more than its separators.
func countParams[S string | []byte](s S) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			n++
		}
	}
	if len(s) > 0 {
		n++
	}
	return n
}

// Error is a Query-protocol error.
type Error struct {
	Status  int
	Code    string
	Message string
	// Receiver marks a server-side fault (Type Receiver); otherwise the
	// caller is at fault (Type Sender).
	Receiver bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Code is an error code the Query protocol itself answers with, before
// (or around) a service's own table: the envelope, the front door and
// authentication. IAM's and STS's own codes are typed in iamapi and
// stsapi; Error.Code is only ever set from one of these types.
type Code string

// The protocol's codes.
const (
	CodeMissingAction              Code = "MissingAction"
	CodeInvalidAction              Code = "InvalidAction"
	CodeValidationError            Code = "ValidationError"
	CodeMalformedQueryString       Code = "MalformedQueryString"
	CodeInvalidQueryParameter      Code = "InvalidQueryParameter"
	CodeInvalidParameterValue      Code = "InvalidParameterValue"
	CodeRequestEntityTooLarge      Code = "RequestEntityTooLarge"
	CodeMissingAuthenticationToken Code = "MissingAuthenticationToken"
	CodeInvalidClientTokenID       Code = "InvalidClientTokenId"
	CodeExpiredToken               Code = "ExpiredToken"
	CodeSignatureDoesNotMatch      Code = "SignatureDoesNotMatch"
	CodeIncompleteSignature        Code = "IncompleteSignature"
	CodeInvalidRequest             Code = "InvalidRequest"
	CodeInternalFailure            Code = "InternalFailure"
	CodeServiceUnavailable         Code = "ServiceUnavailable"
)

// Err is an error with code c, status and message.
func (c Code) Err(status int, msg string) *Error {
	return &Error{Status: status, Code: string(c), Message: msg, Receiver: status >= 500}
}

// CodeSpec is one row of a service's table of error codes.
type CodeSpec struct {
	// Status is the HTTP status the code is sent with.
	Status int
	// Message is AWS's general message for the code; answers usually
	// carry a more specific one.
	Message string
	// When says in a few words when signet sends the code.
	When string
}

// CodeTable is a service's one table of its typed error codes C.
type CodeTable[C ~string] struct {
	// API names the service in the docs: "IAM" or "STS".
	API  string
	Rows map[C]CodeSpec
}

// Err is an error with code c, its status, and msg. A code without a row
// is a programming error, found by the table's tests.
func (t CodeTable[C]) Err(c C, msg string) *Error {
	row, ok := t.Rows[c]
	if !ok {
		panic("awsquery: " + t.API + " code " + string(c) + " has no row")
	}
	return &Error{Status: row.Status, Code: string(c), Message: msg, Receiver: row.Status >= 500}
}

// Docs describes every code of the table, sorted by code, for
// docs/errors.md.
func (t CodeTable[C]) Docs() []errdoc.Code {
	out := make([]errdoc.Code, 0, len(t.Rows))
	for c, row := range t.Rows {
		out = append(out, errdoc.Code{API: t.API, Code: string(c), Status: row.Status, Message: row.Message, When: row.When})
	}
	slices.SortFunc(out, func(a, b errdoc.Code) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// Errorf is a 400 Sender error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return code.Err(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// Common errors.
var (
	ErrMissingAction = CodeMissingAction.Err(http.StatusBadRequest, "Missing Action")
)

// MsgServiceUnavailable is the Query services' text for ServiceUnavailable.
const MsgServiceUnavailable = "The request has failed due to a temporary failure of the server."

// Unavailable is the answer of a node whose metadata engine cannot reach
// its database (meta.ErrUnavailable): 503 ServiceUnavailable, a fault of
// the server's that the caller may retry, never a guess.
func Unavailable() *Error {
	return CodeServiceUnavailable.Err(http.StatusServiceUnavailable, MsgServiceUnavailable)
}

// IsUnavailable reports whether err is, or wraps, meta.ErrUnavailable.
func IsUnavailable(err error) bool { return errors.Is(err, meta.ErrUnavailable) }

// InvalidAction is the error for an action a service does not have.
func InvalidAction(action, version string) *Error {
	return CodeInvalidAction.Err(http.StatusBadRequest, "Could not find operation "+action+" for version "+version)
}

// Validation is AWS's model-constraint error: "1 validation error
// detected: Value 'x' at 'field' failed to satisfy constraint: …".
func Validation(vs ...iam.Violation) *Error {
	return CodeValidationError.Err(http.StatusBadRequest, ValidationMessage(vs...))
}

// Missing is the error for a required parameter that is absent.
func Missing(field string) *Error {
	return Validation(iam.Violation{Field: field, Rule: iam.RuleNotNull})
}

type errorEnvelope struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// WriteError writes e in the Query error envelope.
func WriteError(w http.ResponseWriter, ns string, e *Error, requestID string) {
	reqinfo.FromWriter(w).SetError(e.Code)
	env := errorEnvelope{Xmlns: ns, RequestID: requestID}
	env.Error.Type = "Sender"
	if e.Receiver {
		env.Error.Type = "Receiver"
	}
	env.Error.Code, env.Error.Message = e.Code, e.Message
	setRequestID(w, requestID)
	writeXML(w, e.Status, env)
}

// WriteResult writes the response envelope of action: result (an
// XML-marshalable struct, or nil for actions without one) inside
// <ActionResult>, then the ResponseMetadata.
func WriteResult(w http.ResponseWriter, ns, action string, result any, requestID string) {
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	type envelope struct {
		XMLName  xml.Name
		Xmlns    string   `xml:"xmlns,attr"`
		Result   any      `xml:",omitempty"`
		Metadata metadata `xml:"ResponseMetadata"`
	}
	env := envelope{XMLName: xml.Name{Local: action + "Response"}, Xmlns: ns, Metadata: metadata{RequestID: requestID}}
	if result != nil {
		env.Result = resultWrapper{name: action + "Result", v: result}
	}
	setRequestID(w, requestID)
	writeXML(w, http.StatusOK, env)
}

// setRequestID sets x-amzn-RequestId, where IAM and STS carry the request
// ID (beside the body's RequestId) and where the SDKs read it, errors
// included: without it aws-sdk-go-v2 reports "RequestID: ," on a failure.
func setRequestID(w http.ResponseWriter, requestID string) {
	if requestID != "" {
		w.Header().Set("X-Amzn-Requestid", requestID)
	}
}

// resultWrapper marshals v under the element name.
type resultWrapper struct {
	name string
	v    any
}

func (rw resultWrapper) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(rw.v, xml.StartElement{Name: xml.Name{Local: rw.name}})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>response encoding failed</Message></Error></ErrorResponse>`)
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
