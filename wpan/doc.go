// Package wpan implements the IEEE 802.15.4 MAC layer that meshgw runs in
// user space: the frame codec for the 2003, 2006 and 2015 frame versions
// (IEEE 802.15.4-2006 §7.2, IEEE 802.15.4-2015 §7.2), the frame check
// sequence (CRC-16/KERMIT), the auxiliary security header and CCM* link-layer
// security (IEEE 802.15.4-2015 §9 and Annex B), frame-counter replay windows,
// outgoing frame counters that are reserved ahead in persistent storage, and
// a pcap writer for Wireshark.
//
// Extended addresses are kept in canonical order everywhere in the API
// ([ExtAddr]); only the codec reverses them on the air.
//
// The package does no I/O: decoders work on caller-owned buffers, do not
// allocate on the frame path and check every length before slicing.
package wpan
