package adminapi

import (
	"net/http"
	"strconv"

	"signet/internal/adminwire"
	"signet/internal/sigprint"
	"signet/internal/urluses"
)

// URLUses is the store of the recent uses of presigned links (package
// urluses): this node's, kept in its data directory.
type URLUses interface {
	Uses(p sigprint.Print, limit int) ([]urluses.Use, error)
}

// urlUses answers GET …/urls/uses?fingerprint=HEX&limit=N.
func (a *API) urlUses(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.URLUses == nil {
		return &Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this server keeps no uses of presigned URLs"}
	}
	q := r.URL.Query()
	p, ok := sigprint.Parse(q.Get("fingerprint"))
	if !ok {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "fingerprint must be a presigned URL's fingerprint: " + strconv.Itoa(sigprint.Len) + " hex digits, as 'signet admin url uses URL' computes it"}
	}
	limit := adminwire.URLUsesDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > adminwire.URLUsesMaxLimit {
			return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
				Message: "limit must be a whole number from 1 to " + strconv.Itoa(adminwire.URLUsesMaxLimit)}
		}
		limit = n
	}
	uses, err := a.cfg.URLUses.Uses(p, limit)
	if err != nil {
		return err
	}
	out := adminwire.URLUses{Fingerprint: p.String(), Uses: make([]adminwire.URLUse, 0, len(uses))}
	for _, u := range uses {
		client := ""
		if u.Client.IsValid() {
			client = u.Client.String()
		}
		out.Uses = append(out.Uses, adminwire.URLUse{At: u.At.UTC(), Client: client, Method: u.Method, Status: u.Status,
			Bytes: u.Bytes, Outcome: u.Outcome, ErrorCode: u.ErrorCode, Operation: u.Operation,
			Principal: u.PrincipalARN, AccessKeyID: u.AccessKeyID})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
