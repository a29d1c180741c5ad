package checksum

import "encoding/binary"

// Full-object checksums (ChecksumType FULL_OBJECT, the default for
// CRC64NVME multipart uploads from the AWS CLI v2) are the CRC of the whole
// object. The server only sees parts, so it must combine part CRCs without
// re-reading the bytes. This is zlib's crc32_combine, written for any
// reflected CRC of width up to 64 bits whose initial value equals its final
// XOR (true for CRC32, CRC32C and CRC64NVME): with that property the
// pre- and post-conditioning cancel and
//
//	crc(A||B) = crc(A)·x^(8·len(B)) mod P  ⊕  crc(B).

type crcParams struct {
	poly  uint64 // reflected polynomial
	width uint
	x2n   [67]uint64 // x2n[k] = x^(2^k) mod P; 67 covers k = 3..66 for int64 lengths
}

var (
	crc32Params     = newCRCParams(0xedb88320, 32)
	crc32cParams    = newCRCParams(0x82f63b78, 32)
	crc64NVMEParams = newCRCParams(crc64NVMEPoly, 64)
)

func newCRCParams(poly uint64, width uint) *crcParams {
	c := &crcParams{poly: poly, width: width}
	p := uint64(1) << (width - 2) // x^1 in reflected form
	c.x2n[0] = p
	for k := 1; k < len(c.x2n); k++ {
		p = c.mulmod(p, p)
		c.x2n[k] = p
	}
	return c
}

// mulmod returns a·b mod P, both in reflected form (x^0 is the top bit).
func (c *crcParams) mulmod(a, b uint64) uint64 {
	if a == 0 {
		return 0 // the loop below relies on a having a set bit
	}
	m := uint64(1) << (c.width - 1)
	var p uint64
	for {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		m >>= 1
		if b&1 != 0 {
			b = b>>1 ^ c.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xpow8n returns x^(8n) mod P.
func (c *crcParams) xpow8n(n uint64) uint64 {
	p := uint64(1) << (c.width - 1) // x^0
	for k := 3; n != 0; k++ {
		if n&1 != 0 {
			p = c.mulmod(c.x2n[k], p)
		}
		n >>= 1
	}
	return p
}

func (c *crcParams) combine(crc1, crc2 uint64, len2 uint64) uint64 {
	return c.mulmod(c.xpow8n(len2), crc1) ^ crc2
}

// Combine returns the raw checksum of A||B given the raw (big-endian)
// checksums of A and B and the length of B. It reports false for the SHA
// algorithms, whose digests cannot be combined, and for sums of the wrong
// size.
func Combine(a Algorithm, sumA, sumB []byte, lenB int64) ([]byte, bool) {
	if lenB < 0 || len(sumA) != a.Size() || len(sumB) != a.Size() {
		return nil, false
	}
	switch a {
	case CRC32, CRC32C:
		p := crc32Params
		if a == CRC32C {
			p = crc32cParams
		}
		v := p.combine(uint64(binary.BigEndian.Uint32(sumA)), uint64(binary.BigEndian.Uint32(sumB)), uint64(lenB))
		return binary.BigEndian.AppendUint32(nil, uint32(v)), true
	case CRC64NVME:
		v := crc64NVMEParams.combine(binary.BigEndian.Uint64(sumA), binary.BigEndian.Uint64(sumB), uint64(lenB))
		return binary.BigEndian.AppendUint64(nil, v), true
	}
	return nil, false
}
