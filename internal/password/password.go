// Package password owns how signet keeps IAM users' console passwords:
// Argon2id hashes in a PHC-style string that names its own parameters, and
// their verification in constant time. It never logs, prints or returns a
// password, and a hash is only ever compared, never shown.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters. They are written into every hash,
// so they can change later without invalidating the hashes already stored.
type Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// Default is what new passwords are hashed with: one pass over 64 MiB with
// two lanes, the first recommendation of RFC 9106 scaled to a small server.
// On two cores it takes a few tens of milliseconds, so a sign-in stays well
// under a second even while the machine is busy, yet every guess costs an
// attacker 64 MiB of memory.
var Default = Params{Time: 1, Memory: 64 * 1024, Threads: 2}

const (
	saltLen = 16 // bytes, as RFC 9106 recommends
	keyLen  = 32 // bytes of derived key
	prefix  = "$argon2id$v=19$"
)

// ErrMalformed reports a stored hash that is not one Hash wrote.
var ErrMalformed = errors.New("password: malformed hash")

// Hash returns pw's Argon2id hash under a fresh random salt, as
// $argon2id$v=19$m=MEM,t=TIME,p=THREADS$SALT$KEY (unpadded standard base64).
func Hash(pw string, p Params) (string, error) {
	if p.Time == 0 || p.Memory == 0 || p.Threads == 0 {
		return "", fmt.Errorf("password: invalid parameters %+v", p)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := derive(pw, salt, p, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", prefix, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether pw is the password hash was made from, comparing
// the derived keys in constant time. A malformed hash is ErrMalformed,
// never a match.
func Verify(pw, hash string) (bool, error) {
	p, salt, key, err := parse(hash)
	if err != nil {
		return false, err
	}
	got := derive(pw, salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// MaxConcurrent is how many hashes are derived at once. Each takes
// Params.Memory (64 MiB by default): a burst of sign-ins or password
// changes waits its turn rather than take the server's memory.
const MaxConcurrent = 2

var slots = make(chan struct{}, MaxConcurrent)

// derive runs Argon2id in one of the slots.
func derive(pw string, salt []byte, p Params, n uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	if onDerive != nil {
		onDerive()
	}
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n)
}

// onDerive, when set (by tests), runs inside a slot before each
// derivation.
var onDerive func()

// ParamsOf returns the parameters hash was made with, so that a caller can
// tell a hash made under older parameters.
func ParamsOf(hash string) (Params, error) {
	p, _, _, err := parse(hash)
	return p, err
}

// maxMemory bounds the memory a stored hash may ask for (4 GiB), so that a
// corrupt record cannot make a verification exhaust the server.
const maxMemory = 4 * 1024 * 1024

func parse(hash string) (Params, []byte, []byte, error) {
	rest, ok := strings.CutPrefix(hash, prefix)
	if !ok {
		return Params{}, nil, nil, ErrMalformed
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	for _, kv := range strings.Split(parts[0], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrMalformed
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrMalformed
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrMalformed
		}
	}
	if p.Time == 0 || p.Memory == 0 || p.Threads == 0 || p.Memory > maxMemory {
		return Params{}, nil, nil, ErrMalformed
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[1])
	key, err2 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(key) < 16 {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
