package awsquery

import (
	"net/http"
	"net/url"

	"signet/internal/authn"
)

// Call is one authenticated Query request, ready for a service: the front
// door has read and bounded the body, verified the signature, parsed the
// parameters and checked that the caller is not anonymous.
type Call struct {
	Action    string
	Version   string
	Params    url.Values
	Auth      *authn.Result
	RequestID string
}

// Get returns a parameter's first value.
func (c *Call) Get(name string) string { return c.Params.Get(name) }

// Has reports whether a parameter was sent at all (even empty).
func (c *Call) Has(name string) bool { _, ok := c.Params[name]; return ok }

// Handler serves the actions of one Query service (IAM or STS).
type Handler interface {
	// ServeQuery answers c, writing either a result or an error envelope.
	ServeQuery(w http.ResponseWriter, r *http.Request, c *Call)
	// Namespace is the service's XML namespace, for errors the front door
	// writes on its behalf.
	Namespace() string
}
