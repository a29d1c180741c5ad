package adminapi

import (
	"net/http"

	"signet/internal/adminwire"
	"signet/internal/authn"
)

// backup answers GET …/backup[?include-sealing-key=true] with the stream
// of a hot backup. The sealing key unseals every stored secret, so asking
// for it takes an action of its own, signet:BackupSealingKey, besides
// signet:Backup.
func (a *API) backup(w http.ResponseWriter, r *http.Request, res *authn.Result) error {
	if err := a.authorize(r, res, "Backup"); err != nil {
		return err
	}
	withKey := false
	switch v := r.URL.Query().Get("include-sealing-key"); v {
	case "", "false":
	case "true":
		withKey = true
		if err := a.authorize(r, res, "BackupSealingKey"); err != nil {
			return err
		}
	default:
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "include-sealing-key must be true or false, not " + v}
	}
	if a.cfg.Backup == nil {
		// Only the bolt engine makes hot backups (a snapshot of its one
		// file); a PostgreSQL deployment is backed up with its own tools.
		return &Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this server does not make backups: " +
			"its metadata is in PostgreSQL; back up the database with pg_dump, then copy the blob folder (--blobs)"}
	}
	w.Header().Set("Content-Type", adminwire.BackupContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := a.cfg.Backup.WriteBackup(r.Context(), w, withKey); err != nil {
		// The status is sent: the stream ends without its manifest, which
		// the client reports as an incomplete backup. The cause is here.
		a.cfg.Logger.Error("backup failed", "err", err)
	}
	return nil
}
