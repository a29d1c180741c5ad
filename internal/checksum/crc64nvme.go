package checksum

import (
	"encoding/binary"
	"hash"
	"sync"
)

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5 (normal form
// 0xad93d23594c93659), initial value and final XOR all ones. This is the
// CRC64NVME that S3 and the AWS CLI v2 use.
//
// hash/crc64 could compute it with MakeTable(crc64NVMEPoly), but for any
// table other than ISO and ECMA it rebuilds a 16 KiB slicing-by-8 table on
// every Write of 2 KiB or more. Uploads write in large blocks, so that
// would allocate on the hot path; this file keeps one slicing-by-8 table
// built once.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc64NVMEOnce  sync.Once
	crc64NVMETable *[8][256]uint64
)

func crc64NVMETables() *[8][256]uint64 {
	crc64NVMEOnce.Do(func() {
		t := new([8][256]uint64)
		for i := range 256 {
			c := uint64(i)
			for range 8 {
				if c&1 == 1 {
					c = c>>1 ^ crc64NVMEPoly
				} else {
					c >>= 1
				}
			}
			t[0][i] = c
		}
		for i := range 256 {
			c := t[0][i]
			for j := 1; j < 8; j++ {
				c = t[0][c&0xff] ^ c>>8
				t[j][i] = c
			}
		}
		crc64NVMETable = t
	})
	return crc64NVMETable
}

// UpdateCRC64NVME returns the CRC-64/NVME of p appended to data whose
// checksum is crc (0 for no prior data), like crc64.Update but for NVME.
func UpdateCRC64NVME(crc uint64, p []byte) uint64 {
	t := crc64NVMETables()
	crc = ^crc
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^
			t[6][crc>>8&0xff] ^
			t[5][crc>>16&0xff] ^
			t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^
			t[2][crc>>40&0xff] ^
			t[1][crc>>48&0xff] ^
			t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return ^crc
}

type crc64NVME struct{ crc uint64 }

// NewCRC64NVME returns a hash.Hash64 computing CRC-64/NVME. Sum appends the
// big-endian digest, the byte order S3 base64-encodes.
func NewCRC64NVME() hash.Hash64 { return &crc64NVME{} }

func (d *crc64NVME) Write(p []byte) (int, error) {
	d.crc = UpdateCRC64NVME(d.crc, p)
	return len(p), nil
}
func (d *crc64NVME) Sum64() uint64 { return d.crc }
func (d *crc64NVME) Sum(in []byte) []byte {
	return binary.BigEndian.AppendUint64(in, d.crc)
}
func (d *crc64NVME) Reset()         { d.crc = 0 }
func (d *crc64NVME) Size() int      { return 8 }
func (d *crc64NVME) BlockSize() int { return 1 }
