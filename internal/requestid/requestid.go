// Package requestid gives every request an ID that appears in its response
// headers, its error body and its log lines, so a user's report can be
// matched to the server's log.
package requestid

import (
	"context"
	"crypto/rand"
)

type ctxKey struct{}

// New returns a fresh 16-character upper-case hex ID, the shape of
// x-amz-request-id.
func New() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	// Upper-case hex written directly: one allocation (the string) on a
	// path every request takes.
	const digits = "0123456789ABCDEF"
	var out [16]byte
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&0x0f]
	}
	return string(out[:])
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the request ID carried by ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}
