package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"signet/internal/adminclient"
	"signet/internal/backup"
	"signet/internal/server"
)

// The server records its release in the manifests of its backups.
func init() { server.Version = Version }

func backupCreateCmd() *adminCmd {
	var withKey switchFlag
	return &adminCmd{
		group: "backup", verb: "create", args: "<dir>", nargs: 1,
		action:  "signet:Backup (with --include-sealing-key also signet:BackupSealingKey)",
		summary: "copy a running server's metadata and object blobs into a new directory",
		about: `Asks the running server for a hot backup and writes it into <dir>, which
must be new or empty, on this machine. The server copies its metadata store
(identities, sessions, buckets, the object index) as of one moment, without
stopping writes, then every object blob that copy references; deletions of
blobs wait until the copy ends. Every file is written mode 0600 and checked
against the SHA-256 in manifest.json, written last: a directory without it
is not a backup.

The sealing key, which seals the secret keys of IAM users and sessions, is
not included unless --include-sealing-key: keep a copy of it somewhere
safe, apart from the backup (manifest.json names it by its SHA-256). A
restore needs it: without it no stored secret can be used. See
docs/backup.md.`,
		flags: []adminFlag{
			{name: "include-sealing-key", help: "also copy the sealing key (0600); whoever holds the backup can then unseal every stored secret", value: &withKey},
		},
		examples: []string{
			"signet admin backup create /backups/signet-2026-12-07 --endpoint-url http://localhost:9000",
			"signet admin backup create ./bk --include-sealing-key --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error {
			stream, err := c.Backup(ctx, bool(withKey))
			if err != nil {
				return err
			}
			defer stream.Close()
			m, err := backup.Extract(stream, args[0])
			if err != nil {
				return fmt.Errorf("%w; what was received is left in %s", err, args[0])
			}
			return o.emit(m, func(w io.Writer) { writeManifest(w, "backup written to "+args[0], m) })
		},
	}
}

func backupVerifyCmd() *adminCmd {
	return &adminCmd{
		group: "backup", verb: "verify", args: "<dir>", nargs: 1,
		action:  "calls nothing: it reads <dir> on this machine",
		summary: "check every file of a backup against its manifest",
		about: `Reads <dir>/manifest.json and checks that every file it lists is there with
its size and SHA-256. Nothing is written. 'signet admin backup restore' does
the same before it writes anything.`,
		examples: []string{"signet admin backup verify /backups/signet-2026-12-07"},
		runLocal: func(args []string, o *adminOut) error {
			m, err := backup.Verify(args[0])
			if err != nil {
				return err
			}
			return o.emit(m, func(w io.Writer) { writeManifest(w, "backup in "+args[0]+" verified", m) })
		},
	}
}

func backupRestoreCmd() *adminCmd {
	var dataDir, keyFile stringFlag
	var force switchFlag
	return &adminCmd{
		group: "backup", verb: "restore", args: "<dir>", nargs: 1,
		usage:   "<dir> --data-dir <dir> [--sealing-key <file>] [--force]",
		action:  "calls nothing: it writes the data directory on this machine, with no server running on it",
		summary: "restore a backup into a data directory (no server running on it)",
		about: `Restores the backup in <dir> into the data directory given with --data-dir,
which must be new or empty unless --force. Before anything is written,
every file is checked against manifest.json and the sealing key against the
SHA-256 the manifest names: the backup's own, the file given with
--sealing-key, or the one already in the data directory. Then the object
blobs, the sealing key and the account ID are written, and the metadata
store last, so a restore cut short leaves nothing a server would start
from. Start the server on the directory afterwards; it generates a new root
key for the same account (printed once) unless SIGNET_ROOT_* give one.

With --force, a data directory that holds a store is restored over: its
metadata store is replaced, and its blobs the backup does not reference are
removed when the server starts. A directory a running server holds is
always refused.`,
		flags: []adminFlag{
			{name: "data-dir", arg: "DIR", help: "the data directory to restore into (required)", value: &dataDir, dir: true},
			{name: "sealing-key", arg: "FILE", help: "the sealing key, when the backup does not hold it", value: &keyFile, file: true},
			{name: "force", help: "restore into a data directory that is not empty", value: &force},
		},
		examples: []string{
			"signet admin backup restore /backups/signet-2026-12-07 --data-dir /var/lib/signet --sealing-key /secure/sealing.key",
			"signet admin backup restore ./bk --data-dir ./signet-data",
		},
		check: func([]string) error {
			if !dataDir.set || dataDir.v == "" {
				return errors.New("--data-dir is required: the data directory to restore into")
			}
			return nil
		},
		runLocal: func(args []string, o *adminOut) error {
			m, err := server.Restore(args[0], dataDir.v, server.RestoreOptions{Force: bool(force), SealingKeyFile: keyFile.v})
			if err != nil {
				return err
			}
			return o.emit(m, func(w io.Writer) {
				writeSummary(w, "backup in "+args[0]+" restored into "+dataDir.v, m)
				fmt.Fprintf(w, "start it with: signet server --data-dir %s\n", dataDir.v)
			})
		},
	}
}

// writeManifest prints what a backup holds and what must be kept beside
// it, for people.
func writeManifest(w io.Writer, title string, m *backup.Manifest) {
	writeSummary(w, title, m)
	if m.SealingKey != nil {
		fmt.Fprintf(w, "sealing key included (%s, mode 0600): whoever holds this backup can unseal every stored secret\n", m.SealingKey.Path)
	} else {
		fmt.Fprintf(w, "sealing key NOT included: keep a copy of the key of sha256 %s apart from this backup\n", m.SealingKeySHA256)
	}
	for _, n := range m.NotIncluded {
		fmt.Fprintf(w, "not included: %s\n", n)
	}
}

// writeSummary prints what a backup holds.
func writeSummary(w io.Writer, title string, m *backup.Manifest) {
	var bytes int64
	for _, b := range m.Blobs {
		bytes += b.Size
	}
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "account     %s\n", m.AccountID)
	fmt.Fprintf(w, "made        %s by signet %s (schema version %d)\n", stamp(m.Created), m.SignetVersion, m.SchemaVersion)
	fmt.Fprintf(w, "metadata    %s, %d bytes, sha256 %s\n", m.Metadata.Path, m.Metadata.Size, m.Metadata.SHA256)
	fmt.Fprintf(w, "blobs       %d files, %d bytes\n", len(m.Blobs), bytes)
}
