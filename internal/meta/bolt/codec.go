package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/storage"
)

// Records are stored in a small hand-rolled binary layout rather than JSON
// or gob: GetObject sits on the path of every GET and HEAD, and this layout
// decodes with one allocation for all of a record's strings (they are
// slices of a single copy of the value) plus one per map, where
// encoding/json costs reflection and an allocation per field, and gob
// carries its type description in every value.
//
// Layout: one version byte (recordV1), then fields in a fixed order.
// Integers are varints (sizes, counts, Unix seconds) or uvarints,
// strings and map entries are uvarint-length-prefixed bytes, times are
// Unix seconds plus nanoseconds (so any time.Time round-trips, in UTC),
// maps are a count then key/value pairs in sorted key order so equal
// records encode to equal bytes. A new layout gets a new version byte and
// the decoder keeps reading the old one.
const recordV1 = 1

// sessionV2 is the session layout with the managed session policy ARNs
// (a count, then each ARN) after TerminatedAt, then the owner's unique ID.
// Sessions written as recordV1 still decode, with no ARNs and no owner ID.
const sessionV2 = 2

var errCorrupt = errors.New("meta/bolt: corrupt record")

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// bytes writes a length-prefixed byte string (sealed secrets, hashes).
func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) time(t time.Time) {
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

func (e *encoder) strMap(m map[string]string) {
	e.uvarint(uint64(len(m)))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

// strList writes a count then each string.
func (e *encoder) strList(l []string) {
	e.uvarint(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}

// tags writes a tag set: a count then each key and value, in order.
func (e *encoder) tags(ts []meta.Tag) {
	e.uvarint(uint64(len(ts)))
	for _, t := range ts {
		e.str(t.Key)
		e.str(t.Value)
	}
}

func (e *encoder) attrs(a *meta.Attrs) {
	e.str(a.ContentType)
	e.str(a.ContentEncoding)
	e.str(a.ContentDisposition)
	e.str(a.ContentLanguage)
	e.str(a.CacheControl)
	e.str(a.Expires)
	e.str(a.StorageClass)
	e.strMap(a.UserMeta)
}

// decoder reads a record. b is the stored value (valid only inside the
// transaction); s is one string copy of it that decoded strings slice into,
// so they outlive the transaction at the cost of a single allocation.
// The first error sticks and later reads return zero values.
type decoder struct {
	b   []byte
	s   string
	off int
	err error
}

func newDecoder(b []byte) *decoder {
	return newDecoderOf(b, recordV1)
}

// newDecoderOf reads a record whose version byte is one of versions.
func newDecoderOf(b []byte, versions ...byte) *decoder {
	d := &decoder{b: b, s: string(b)}
	if len(b) == 0 || !slices.Contains(versions, b[0]) {
		d.err = fmt.Errorf("%w: unsupported record version", errCorrupt)
		return d
	}
	d.off = 1
	return d
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.off) {
		d.err = errCorrupt
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// bytes reads a byte string into a new slice (nil when empty), so callers
// own what they get.
func (d *decoder) bytes() []byte {
	s := d.str()
	if s == "" {
		return nil
	}
	return []byte(s)
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if d.off >= len(d.b) || d.b[d.off] > 1 {
		d.err = errCorrupt
		return false
	}
	d.off++
	return d.b[d.off-1] == 1
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil || nsec >= 1e9 {
		if d.err == nil {
			d.err = errCorrupt
		}
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) strMap() map[string]string {
	n := d.uvarint()
	// Each entry takes at least two bytes, which bounds the allocation a
	// corrupt count could ask for.
	if d.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(d.b)-d.off)/2 {
		d.err = errCorrupt
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

// strList reads what encoder.strList wrote (nil when empty).
func (d *decoder) strList() []string {
	n := d.uvarint()
	// Each string takes at least one byte, which bounds the allocation a
	// corrupt count could ask for.
	if d.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.err = errCorrupt
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

// tags reads what encoder.tags wrote (nil when empty).
func (d *decoder) tags() []meta.Tag {
	n := d.uvarint()
	// Each tag takes at least two bytes, which bounds the allocation a
	// corrupt count could ask for.
	if d.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(d.b)-d.off)/2 {
		d.err = errCorrupt
		return nil
	}
	ts := make([]meta.Tag, n)
	for i := range ts {
		ts[i].Key = d.str()
		ts[i].Value = d.str()
	}
	return ts
}

func (d *decoder) attrs(a *meta.Attrs) {
	a.ContentType = d.str()
	a.ContentEncoding = d.str()
	a.ContentDisposition = d.str()
	a.ContentLanguage = d.str()
	a.CacheControl = d.str()
	a.Expires = d.str()
	a.StorageClass = d.str()
	a.UserMeta = d.strMap()
}

// more reports whether fields follow: a field appended to a record's
// layout is read only when present, so older records still decode.
func (d *decoder) more() bool { return d.err == nil && d.off < len(d.b) }

func (d *decoder) done() error {
	if d.err == nil && d.off != len(d.b) {
		d.err = errCorrupt
	}
	return d.err
}

// Bucket record: region, created, then (appended, so older records still
// decode) the versioning state and the tag set, then the access settings:
// Object Ownership, Block Public Access, ACL. A record written before
// versioning ends at created; one written before the access settings ends
// at the tag set.

func encodeBucket(b *meta.Bucket) []byte {
	e := encoder{b: make([]byte, 0, 32+len(b.Region))}
	e.b = append(e.b, recordV1)
	e.str(b.Region)
	e.time(b.Created)
	// Versioning: records written before it end at Created.
	e.str(string(b.Versioning))
	e.tags(b.Tags)
	// Access settings: records written before them end at the tags.
	e.bucketAccess(b)
	return e.b
}

func decodeBucket(name string, v []byte) (meta.Bucket, error) {
	d := newDecoder(v)
	b := meta.Bucket{Name: name, Region: d.str(), Created: d.time()}
	if d.more() {
		b.Versioning = meta.Versioning(d.str())
		b.Tags = d.tags()
	}
	d.bucketAccess(&b)
	return b, d.done()
}

// bucketAccess writes Ownership, then a presence byte and the four Block
// Public Access flags, then the ACL.
func (e *encoder) bucketAccess(b *meta.Bucket) {
	e.str(b.Ownership)
	e.bool(b.PublicAccessBlock != nil)
	if p := b.PublicAccessBlock; p != nil {
		e.bool(p.BlockPublicAcls)
		e.bool(p.IgnorePublicAcls)
		e.bool(p.BlockPublicPolicy)
		e.bool(p.RestrictPublicBuckets)
	}
	e.acl(b.ACL)
}

// bucketAccess reads what encoder.bucketAccess wrote. A record written
// before these fields is a bucket of the only kind signet then had:
// BucketOwnerEnforced, with no Block Public Access and the default ACL.
func (d *decoder) bucketAccess(b *meta.Bucket) {
	if !d.more() {
		b.Ownership = meta.OwnershipEnforced
		return
	}
	b.Ownership = d.str()
	if d.bool() {
		b.PublicAccessBlock = &meta.PublicAccessBlock{
			BlockPublicAcls:       d.bool(),
			IgnorePublicAcls:      d.bool(),
			BlockPublicPolicy:     d.bool(),
			RestrictPublicBuckets: d.bool(),
		}
	}
	b.ACL = d.acl()
}

// acl writes a presence byte, then the grants: a count, then each grant's
// type, ID, URI, email and permission. Presence keeps an ACL of no grants
// apart from the default.
func (e *encoder) acl(a *meta.ACL) {
	e.bool(a != nil)
	if a == nil {
		return
	}
	e.uvarint(uint64(len(a.Grants)))
	for i := range a.Grants {
		g := &a.Grants[i]
		e.str(g.Type)
		e.str(g.ID)
		e.str(g.URI)
		e.str(g.Email)
		e.str(g.Permission)
	}
}

func (d *decoder) acl() *meta.ACL {
	if !d.bool() {
		return nil
	}
	n := d.uvarint()
	// Each grant takes at least five bytes, which bounds the allocation a
	// corrupt count could ask for.
	if d.err != nil || n > uint64(len(d.b)-d.off)/5 {
		if d.err == nil {
			d.err = errCorrupt
		}
		return nil
	}
	a := &meta.ACL{}
	if n > 0 {
		a.Grants = make([]meta.Grant, n)
	}
	for i := range a.Grants {
		g := &a.Grants[i]
		g.Type = d.str()
		g.ID = d.str()
		g.URI = d.str()
		g.Email = d.str()
		g.Permission = d.str()
	}
	return a
}

// Object record: everything but Bucket and Key, which are the record's
// place in the database.

func encodeObject(o *meta.Object) []byte {
	e := encoder{b: make([]byte, 0, 128+len(o.Segments)*48)}
	e.b = append(e.b, recordV1)
	e.varint(o.Size)
	e.str(o.ETag)
	e.time(o.LastModified)
	e.attrs(&o.Attrs)
	e.strMap(o.Checksums)
	e.str(o.ChecksumType)
	e.uvarint(uint64(len(o.Segments)))
	for i := range o.Segments {
		s := &o.Segments[i]
		e.str(string(s.Blob))
		e.varint(s.Size)
		e.str(s.ETag)
		e.strMap(s.Checksums)
	}
	e.varint(int64(o.PartsCount))
	// Appended after PartsCount: records written before these fields end
	// there (versions, then tags).
	e.str(o.VersionID)
	e.bool(o.DeleteMarker)
	e.tags(o.Tags)
	// Appended after the tags, so records written before it decode
	// unchanged (with the default ACL).
	e.acl(o.ACL)
	// Appended after the ACL: encryption at rest, then SSE-C.
	e.str(o.ServerSideEncryption)
	e.str(o.SSECustomerAlgorithm)
	e.str(o.SSECustomerKeyMD5)
	e.str(string(o.SSECustomerKeyCheck))
	return e.b
}

func decodeObject(bucket, key string, v []byte) (meta.Object, error) {
	d := newDecoder(v)
	o := meta.Object{Bucket: bucket, Key: key}
	o.Size = d.varint()
	o.ETag = d.str()
	o.LastModified = d.time()
	d.attrs(&o.Attrs)
	o.Checksums = d.strMap()
	o.ChecksumType = d.str()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(v)) {
		d.err = errCorrupt
	}
	if d.err == nil && n > 0 {
		o.Segments = make([]meta.Segment, n)
		for i := range o.Segments {
			s := &o.Segments[i]
			s.Blob = storage.BlobID(d.str())
			s.Size = d.varint()
			s.ETag = d.str()
			s.Checksums = d.strMap()
		}
	}
	o.PartsCount = int(d.varint())
	if d.more() {
		o.VersionID = d.str()
		o.DeleteMarker = d.bool()
		o.Tags = d.tags()
	}
	if d.more() {
		o.ACL = d.acl()
	}
	// Records written before encryption at rest end here.
	if d.more() {
		o.ServerSideEncryption = d.str()
	}
	// Records written before SSE-C end here.
	if d.more() {
		o.SSECustomerAlgorithm = d.str()
		o.SSECustomerKeyMD5 = d.str()
		if c := d.str(); c != "" {
			o.SSECustomerKeyCheck = []byte(c)
		}
	}
	return o, d.done()
}

// objectBlobs reads only the blob IDs of a stored object, for the write
// paths that need the replaced object's references but not its record.
func objectBlobs(v []byte) ([]storage.BlobID, error) {
	o, err := decodeObject("", "", v)
	if err != nil {
		return nil, err
	}
	return o.Blobs(), nil
}

// Upload record: the upload with its bucket and key, since it is found by
// ID alone.

func encodeUpload(u *meta.Upload) []byte {
	e := encoder{b: make([]byte, 0, 96+len(u.Key))}
	e.b = append(e.b, recordV1)
	e.str(u.Bucket)
	e.str(u.Key)
	e.str(u.ID)
	e.time(u.Initiated)
	e.attrs(&u.Attrs)
	e.str(u.ChecksumAlgorithm)
	e.str(u.ChecksumType)
	// Appended, so uploads begun before tags decode unchanged.
	e.tags(u.Tags)
	// Appended, so uploads begun before ACLs decode unchanged.
	e.acl(u.ACL)
	// Appended last, so uploads begun before SSE-C decode unchanged.
	e.str(u.SSECustomerAlgorithm)
	e.str(u.SSECustomerKeyMD5)
	e.str(string(u.SSECustomerKeyCheck))
	return e.b
}

func decodeUpload(v []byte) (meta.Upload, error) {
	d := newDecoder(v)
	var u meta.Upload
	u.Bucket = d.str()
	u.Key = d.str()
	u.ID = d.str()
	u.Initiated = d.time()
	d.attrs(&u.Attrs)
	u.ChecksumAlgorithm = d.str()
	u.ChecksumType = d.str()
	if d.more() {
		u.Tags = d.tags()
	}
	if d.more() {
		u.ACL = d.acl()
	}
	if d.more() {
		u.SSECustomerAlgorithm = d.str()
		u.SSECustomerKeyMD5 = d.str()
		if c := d.str(); c != "" {
			u.SSECustomerKeyCheck = []byte(c)
		}
	}
	return u, d.done()
}

// Part record: everything but Number, which is its key.

func encodePart(p *meta.Part) []byte {
	e := encoder{b: make([]byte, 0, 64)}
	e.b = append(e.b, recordV1)
	e.str(string(p.Blob))
	e.varint(p.Size)
	e.str(p.ETag)
	e.time(p.LastModified)
	e.strMap(p.Checksums)
	return e.b
}

func decodePart(num int, v []byte) (meta.Part, error) {
	d := newDecoder(v)
	p := meta.Part{Number: num}
	p.Blob = storage.BlobID(d.str())
	p.Size = d.varint()
	p.ETag = d.str()
	p.LastModified = d.time()
	p.Checksums = d.strMap()
	return p, d.done()
}

// Identity records (users, keys, roles, policies, sessions, bucket
// policies) use the same layout and version byte as the object records
// rather than JSON, although none of them is on a hot path: one codec
// means one versioning rule, one kind of corruption check and no struct
// tags to keep in step with meta's types. Byte strings (sealed
// secrets, token hashes) are stored as given; booleans are one byte, 0 or
// 1. As elsewhere, a field that is the record's key is left out: the ID of
// an access key and of a session. Names are kept in full because the key
// is their lower-cased form.

func encodeUser(u *meta.User) []byte {
	e := encoder{b: make([]byte, 0, 32+len(u.Name)+len(u.ID)+len(u.Path))}
	e.b = append(e.b, recordV1)
	e.str(u.Name)
	e.str(u.ID)
	e.str(u.Path)
	e.time(u.Created)
	return e.b
}

func decodeUser(v []byte) (meta.User, error) {
	d := newDecoder(v)
	var u meta.User
	u.Name = d.str()
	u.ID = d.str()
	u.Path = d.str()
	u.Created = d.time()
	return u, d.done()
}

func encodeAccessKey(k *meta.AccessKey) []byte {
	e := encoder{b: make([]byte, 0, 32+len(k.UserName)+len(k.SealedSecret))}
	e.b = append(e.b, recordV1)
	e.str(k.UserName)
	e.bytes(k.SealedSecret)
	e.str(string(k.Status))
	e.time(k.Created)
	// Appended last, so records written before it decode unchanged.
	e.str(k.UserID)
	return e.b
}

func decodeAccessKey(id string, v []byte) (meta.AccessKey, error) {
	d := newDecoder(v)
	k := meta.AccessKey{ID: id}
	k.UserName = d.str()
	k.SealedSecret = d.bytes()
	k.Status = principal.KeyStatus(d.str())
	k.Created = d.time()
	if d.more() {
		k.UserID = d.str()
	}
	return k, d.done()
}

// Deleted access key record: everything but the ID, which is its key.

func encodeDeletedAccessKey(k *meta.DeletedAccessKey) []byte {
	e := encoder{b: make([]byte, 0, 24+len(k.UserName)+len(k.UserID))}
	e.b = append(e.b, recordV1)
	e.str(k.UserName)
	e.str(k.UserID)
	e.time(k.Deleted)
	return e.b
}

func decodeDeletedAccessKey(id string, v []byte) (meta.DeletedAccessKey, error) {
	d := newDecoder(v)
	k := meta.DeletedAccessKey{ID: id}
	k.UserName = d.str()
	k.UserID = d.str()
	k.Deleted = d.time()
	return k, d.done()
}

func encodeRole(r *meta.Role) []byte {
	e := encoder{b: make([]byte, 0, 48+len(r.Name)+len(r.Description)+len(r.TrustPolicy))}
	e.b = append(e.b, recordV1)
	e.str(r.Name)
	e.str(r.ID)
	e.str(r.Path)
	e.str(r.Description)
	e.str(r.TrustPolicy)
	e.varint(int64(r.MaxSessionDuration))
	e.time(r.Created)
	return e.b
}

func decodeRole(v []byte) (meta.Role, error) {
	d := newDecoder(v)
	var r meta.Role
	r.Name = d.str()
	r.ID = d.str()
	r.Path = d.str()
	r.Description = d.str()
	r.TrustPolicy = d.str()
	r.MaxSessionDuration = int(d.varint())
	r.Created = d.time()
	return r, d.done()
}

func encodePolicy(p *meta.Policy) []byte {
	e := encoder{b: make([]byte, 0, 48+len(p.Name)+len(p.Description)+len(p.Document))}
	e.b = append(e.b, recordV1)
	e.str(p.Name)
	e.str(p.ID)
	e.str(p.Path)
	e.str(p.Description)
	e.str(p.Document)
	e.time(p.Created)
	e.time(p.Updated)
	return e.b
}

func decodePolicy(v []byte) (meta.Policy, error) {
	d := newDecoder(v)
	var p meta.Policy
	p.Name = d.str()
	p.ID = d.str()
	p.Path = d.str()
	p.Description = d.str()
	p.Document = d.str()
	p.Created = d.time()
	p.Updated = d.time()
	return p, d.done()
}

func encodeInlinePolicy(p *meta.InlinePolicy) []byte {
	e := encoder{b: make([]byte, 0, 8+len(p.Name)+len(p.Document))}
	e.b = append(e.b, recordV1)
	e.str(p.Name)
	e.str(p.Document)
	return e.b
}

func decodeInlinePolicy(v []byte) (meta.InlinePolicy, error) {
	d := newDecoder(v)
	var p meta.InlinePolicy
	p.Name = d.str()
	p.Document = d.str()
	return p, d.done()
}

func encodeSession(s *meta.Session) []byte {
	e := encoder{b: make([]byte, 0, 128+len(s.SealedSecret)+len(s.ARN)+len(s.SessionPolicy))}
	e.b = append(e.b, sessionV2)
	e.bytes(s.SealedSecret)
	e.bytes(s.TokenHash)
	e.str(string(s.Kind))
	e.str(s.ARN)
	e.str(s.UserID)
	e.str(s.UserName)
	e.bool(s.Root)
	e.str(s.RoleName)
	e.str(s.SessionName)
	e.str(s.SessionPolicy)
	e.bool(s.Chained)
	e.str(s.SourceAccessKeyID)
	e.time(s.Issued)
	e.time(s.Expiry)
	e.time(s.TerminatedAt)
	e.strList(s.SessionPolicyARNs)
	// Appended last, so records written before it decode unchanged.
	e.str(s.OwnerID)
	return e.b
}

func decodeSession(id string, v []byte) (meta.Session, error) {
	d := newDecoderOf(v, recordV1, sessionV2)
	s := meta.Session{AccessKeyID: id}
	s.SealedSecret = d.bytes()
	s.TokenHash = d.bytes()
	s.Kind = principal.SessionKind(d.str())
	s.ARN = d.str()
	s.UserID = d.str()
	s.UserName = d.str()
	s.Root = d.bool()
	s.RoleName = d.str()
	s.SessionName = d.str()
	s.SessionPolicy = d.str()
	s.Chained = d.bool()
	s.SourceAccessKeyID = d.str()
	s.Issued = d.time()
	s.Expiry = d.time()
	// The zero time decodes to time.Time{} itself, so a standing
	// session's TerminatedAt is == time.Time{} after a round trip.
	s.TerminatedAt = d.time()
	if len(v) > 0 && v[0] == sessionV2 {
		s.SessionPolicyARNs = d.strList()
	}
	if d.more() {
		s.OwnerID = d.str()
	}
	return s, d.done()
}

func encodeBucketPolicy(doc string) []byte {
	e := encoder{b: make([]byte, 0, 8+len(doc))}
	e.b = append(e.b, recordV1)
	e.str(doc)
	return e.b
}

func decodeBucketPolicy(v []byte) (string, error) {
	d := newDecoder(v)
	doc := d.str()
	return doc, d.done()
}
