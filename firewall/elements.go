package firewall

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/mdlayher/netlink"
)

// ErrMalformedDump is wrapped by errors decoding a kernel set-element dump
// (google/nftables v0.3.0 cannot decode per-element quotas, so meshgw reads
// them itself).
var ErrMalformedDump = errors.New("firewall: malformed set element dump")

// nf_tables attribute numbers (include/uapi/linux/netfilter/nf_tables.h),
// kept here so the decoder builds on every GOOS.
const (
	attrElemListElements = 3  // NFTA_SET_ELEM_LIST_ELEMENTS
	attrListElem         = 1  // NFTA_LIST_ELEM
	attrElemKey          = 1  // NFTA_SET_ELEM_KEY
	attrElemExpiration   = 5  // NFTA_SET_ELEM_EXPIRATION (u64 ms)
	attrElemExpr         = 7  // NFTA_SET_ELEM_EXPR
	attrElemExpressions  = 11 // NFTA_SET_ELEM_EXPRESSIONS
	attrDataValue        = 1  // NFTA_DATA_VALUE
	attrExprName         = 1  // NFTA_EXPR_NAME
	attrExprData         = 2  // NFTA_EXPR_DATA
	attrQuotaBytes       = 1  // NFTA_QUOTA_BYTES (u64)
	attrQuotaFlags       = 2  // NFTA_QUOTA_FLAGS (u32)
	attrQuotaConsumed    = 4  // NFTA_QUOTA_CONSUMED (u64)
	quotaFlagDepleted    = 2  // NFT_QUOTA_F_DEPLETED
	nfgenmsgLen          = 4
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedDump, fmt.Sprintf(format, args...))
}

// decodeElemMsg decodes the payload of one NFT_MSG_NEWSETELEM dump message
// (nfgenmsg header included) and appends one SourceUsage per element that
// carries a quota. bits is the set's key prefix length.
func decodeElemMsg(data []byte, dir Direction, bits int, out []SourceUsage) ([]SourceUsage, error) {
	if len(data) < nfgenmsgLen {
		return out, malformed("message of %d bytes is shorter than nfgenmsg", len(data))
	}
	ad, err := netlink.NewAttributeDecoder(data[nfgenmsgLen:])
	if err != nil {
		return out, malformed("%v", err)
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		if ad.Type() != attrElemListElements {
			continue
		}
		ad.Nested(func(list *netlink.AttributeDecoder) error {
			for list.Next() {
				if list.Type() != attrListElem {
					continue
				}
				u := SourceUsage{Direction: dir}
				var ok bool
				list.Nested(func(el *netlink.AttributeDecoder) error {
					var err error
					ok, err = decodeElem(el, bits, &u)
					return err
				})
				if ok && list.Err() == nil {
					out = append(out, u)
				}
			}
			return nil
		})
	}
	if err := ad.Err(); err != nil {
		return out, malformed("%v", err)
	}
	return out, nil
}

// decodeElem fills u from one element; ok reports whether it had a key and
// a quota.
func decodeElem(el *netlink.AttributeDecoder, bits int, u *SourceUsage) (ok bool, err error) {
	var haveKey, haveQuota bool
	for el.Next() {
		switch el.Type() {
		case attrElemKey:
			el.Nested(func(k *netlink.AttributeDecoder) error {
				for k.Next() {
					if k.Type() != attrDataValue {
						continue
					}
					b := k.Bytes()
					if len(b) != 16 {
						return malformed("element key of %d bytes, want 16", len(b))
					}
					p, err := netip.AddrFrom16([16]byte(b)).Prefix(bits)
					if err != nil {
						return malformed("key prefix: %v", err)
					}
					u.Source, haveKey = p, true
				}
				return nil
			})
		case attrElemExpiration:
			ms := el.Uint64()
			if ms > uint64(maxTimeout/time.Millisecond)*2 {
				return false, malformed("expiration %d ms out of range", ms)
			}
			u.Expires = time.Duration(ms) * time.Millisecond
		case attrElemExpr:
			el.Nested(func(e *netlink.AttributeDecoder) error {
				q, err := decodeExpr(e, u)
				haveQuota = haveQuota || q
				return err
			})
		case attrElemExpressions:
			el.Nested(func(list *netlink.AttributeDecoder) error {
				for list.Next() {
					if list.Type() != attrListElem {
						continue
					}
					list.Nested(func(e *netlink.AttributeDecoder) error {
						q, err := decodeExpr(e, u)
						haveQuota = haveQuota || q
						return err
					})
				}
				return nil
			})
		}
	}
	if err := el.Err(); err != nil {
		return false, err
	}
	return haveKey && haveQuota, nil
}

// decodeExpr decodes one {NAME, DATA} expression; quota reports whether it
// was a quota.
func decodeExpr(e *netlink.AttributeDecoder, u *SourceUsage) (quota bool, err error) {
	var name string
	var data []byte
	for e.Next() {
		switch e.Type() {
		case attrExprName:
			name = e.String()
		case attrExprData:
			data = e.Bytes()
		}
	}
	if err := e.Err(); err != nil || name != "quota" {
		return false, err
	}
	qd, err := netlink.NewAttributeDecoder(data)
	if err != nil {
		return false, malformed("quota data: %v", err)
	}
	qd.ByteOrder = binary.BigEndian
	for qd.Next() {
		switch qd.Type() {
		case attrQuotaBytes:
			u.Limit = qd.Uint64()
		case attrQuotaConsumed:
			u.Used = qd.Uint64()
		case attrQuotaFlags:
			u.Depleted = qd.Uint32()&quotaFlagDepleted != 0
		}
	}
	if err := qd.Err(); err != nil {
		return false, malformed("quota data: %v", err)
	}
	return true, nil
}

// encodeElemMsg is the inverse of decodeElemMsg for the fields it reads (one
// quota per element, as the kernel dumps NFTA_SET_ELEM_EXPR). It builds test
// vectors and the fuzz round trip.
func encodeElemMsg(us []SourceUsage) ([]byte, error) {
	list := netlink.NewAttributeEncoder()
	list.ByteOrder = binary.BigEndian
	for _, u := range us {
		list.Nested(attrListElem, func(el *netlink.AttributeEncoder) error {
			el.Nested(attrElemKey, func(k *netlink.AttributeEncoder) error {
				a := u.Source.Addr().As16()
				k.Bytes(attrDataValue, a[:])
				return nil
			})
			el.Uint64(attrElemExpiration, uint64(u.Expires/time.Millisecond))
			el.Nested(attrElemExpr, func(e *netlink.AttributeEncoder) error {
				e.String(attrExprName, "quota")
				e.Nested(attrExprData, func(q *netlink.AttributeEncoder) error {
					q.Uint64(attrQuotaBytes, u.Limit)
					var f uint32 = 1 // NFT_QUOTA_F_INV: "over"
					if u.Depleted {
						f |= quotaFlagDepleted
					}
					q.Uint32(attrQuotaFlags, f)
					q.Uint64(attrQuotaConsumed, u.Used)
					return nil
				})
				return nil
			})
			return nil
		})
	}
	lb, err := list.Encode()
	if err != nil {
		return nil, err
	}
	ae := netlink.NewAttributeEncoder()
	ae.String(1, TableName)
	ae.Bytes(attrElemListElements|netlink.Nested, lb)
	b, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append([]byte{1, 0, 0, 0}, b...), nil // nfgenmsg: NFPROTO_INET, version 0, res_id 0
}
