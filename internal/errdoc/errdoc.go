// Package errdoc describes the AWS error codes an API package answers
// with, so that docs/errors.md is generated from the very tables the
// server uses rather than written beside them.
package errdoc

// Code is one row of an API's error table.
type Code struct {
	// API names the wire protocol: "S3", "IAM" or "STS".
	API string
	// Code is AWS's error code, e.g. "AccessDenied".
	Code string
	// Status is the HTTP status the code is sent with.
	Status int
	// Message is AWS's default message for the code; handlers may send a
	// more specific one.
	Message string
	// When says in a few words when signet sends the code.
	When string
}
