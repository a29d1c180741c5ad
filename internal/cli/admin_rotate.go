package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"signet/internal/config"
	"signet/internal/server"
)

// errPostgresRotate refuses an offline rotation when SIGNET_META selects
// the PostgreSQL engine: the rotation rewrites a bolt store in the data
// directory, and the secrets in a shared database would stay sealed
// under the old key.
var errPostgresRotate = errors.New("rotate-sealing works offline on a bolt data directory, and " +
	config.EnvMeta + " selects the PostgreSQL engine: a PostgreSQL deployment's sealing key cannot be rotated yet " +
	"(keep the key file every node reads, --sealing-key-file, and back it up with pg_dump and the blob folder)")

// keyRotateSealingCmd rotates the data directory's sealing key. Unlike
// the other key verbs it calls no server: it works offline, on the data
// directory of a stopped server (server.RotateSealingKey says why).
func keyRotateSealingCmd() *adminCmd {
	var dataDir stringFlag
	return &adminCmd{
		group: "key", verb: "rotate-sealing",
		usage:   "[--data-dir <dir>]",
		action:  "calls nothing: it works offline on DATA-DIR, with the server stopped",
		summary: "replace the sealing key (offline: stop the server first)",
		about: `Replaces the sealing key in DATA-DIR/sealing.key with a new random one.
Every object's data key is re-wrapped under it in the object's header (the
object bytes are not rewritten; SSE-C objects, sealed under their customer's
key, are left alone), and every stored secret of an IAM user's access key or
an STS session is re-sealed under it.

This is offline: stop the server first. The command refuses a data
directory a running server holds. It is safe to interrupt: until it
finishes, the old key stays in sealing.key and the new one in
sealing.key.next, every object and secret opens with one of them, and the
server refuses to start; run the command again to finish. Backups taken
before the rotation need the old key: keep a copy of it with them.`,
		flags: []adminFlag{
			{name: "data-dir", arg: "DIR", help: "the server's data directory (else " + config.EnvDataDir + ", or ./signet-data)", value: &dataDir},
		},
		examples: []string{
			"signet admin key rotate-sealing --data-dir /var/lib/signet",
			"signet admin key rotate-sealing --json",
		},
		runLocal: func(_ []string, o *adminOut) error {
			def := config.Default()
			if engine, _, err := def.MetaEngine(); err == nil && engine == config.EnginePostgres {
				return errPostgresRotate
			}
			dir := def.DataDir
			if dataDir.set {
				dir = dataDir.v
			}
			// No context to cancel: an interrupt kills the process, which
			// the rotation survives as it survives a crash.
			rep, err := server.RotateSealingKey(context.Background(), dir)
			if err != nil {
				return err
			}
			shown := struct {
				DataDir   string `json:"data_dir"`
				Resumed   bool   `json:"resumed"`
				Rewrapped int    `json:"objects_rewrapped"`
				Skipped   int    `json:"objects_skipped"`
				Secrets   int    `json:"secrets_resealed"`
			}{dir, rep.Resumed, rep.Rewrapped, rep.Skipped, rep.Secrets}
			return o.emit(shown, func(w io.Writer) {
				if rep.Resumed {
					fmt.Fprintln(w, "finished an interrupted rotation")
				}
				fmt.Fprintf(w, "sealing key of %s rotated: %d blob(s) re-wrapped, %d left as they were "+
					"(already re-wrapped, SSE-C, or written before encryption), %d secret(s) re-sealed.\n",
					dir, rep.Rewrapped, rep.Skipped, rep.Secrets)
			})
		},
	}
}
