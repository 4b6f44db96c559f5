/*
 * packet.h - the GDB remote protocol's framing: "$body#xx" packets, acks,
 * the interrupt byte, '}' escapes and hex.  Nothing here knows a command;
 * the fuzzer drives this layer and the command parser with arbitrary bytes.
 */
#ifndef GS_PACKET_H
#define GS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet body accepted (and announced as PacketSize). */
#define GS_PACKET_MAX 0x4000

enum gs_rx_event {
	GS_RX_NONE = 0,   /* byte consumed, nothing complete yet */
	GS_RX_PACKET,     /* a packet with a good checksum: rx->buf, rx->len */
	GS_RX_BADSUM,     /* a packet whose checksum was wrong: send '-' */
	GS_RX_TOOLONG,    /* a packet longer than GS_PACKET_MAX: answer E */
	GS_RX_INTERRUPT,  /* 0x03 outside a packet */
	GS_RX_ACK,        /* '+' */
	GS_RX_NAK,        /* '-': resend the last packet */
};

/* Receiver state: feed it bytes one at a time. */
struct gs_rx {
	int state;
	bool overflow;
	unsigned sum;       /* running checksum of the body */
	int hi;             /* first checksum digit's value */
	size_t len;         /* body bytes in buf (raw, still escaped) */
	char buf[GS_PACKET_MAX + 1]; /* NUL-terminated when complete */
};

void gs_rx_init(struct gs_rx *rx);
enum gs_rx_event gs_rx_byte(struct gs_rx *rx, unsigned char c);

/* An output packet body under construction; grows as needed. */
struct gs_out {
	char *buf;
	size_t len, cap;
	bool oom;
};

void gs_out_reset(struct gs_out *o);
void gs_out_free(struct gs_out *o);
void gs_out_mem(struct gs_out *o, const void *p, size_t n);
void gs_out_str(struct gs_out *o, const char *s);
/* s as XML character data or attribute text (<>&" escaped, control
 * characters dropped). */
void gs_out_xml(struct gs_out *o, const char *s);
void gs_out_fmt(struct gs_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Two hex digits per byte. */
void gs_out_hex(struct gs_out *o, const void *p, size_t n);
/* Binary data with '#', '$', '}' and '*' escaped as '}' c^0x20. */
void gs_out_bin(struct gs_out *o, const void *p, size_t n);
/* Frame o's body as "$body#xx" into f (reset first). */
void gs_frame(const struct gs_out *o, struct gs_out *f);

/* Undo '}' escapes in place; returns the new length or -1 for a dangling
 * '}' at the end. */
long gs_unescape(char *p, size_t n);

/* Hex helpers.  Each returns false on malformed input. */
int gs_hexval(int c);
/* Parse a hex number (at most 16 digits) at *s, advancing *s; false if
 * there is no digit or it overflows. */
bool gs_parse_hex(const char **s, uint64_t *out);
/* Decode 2n hex digits at s into out; false on a non-hex digit. */
bool gs_hex_decode(const char *s, size_t n, void *out);

/* The packet layer's self-test (--selftest, as gdb's unittest.exp runs
 * it): returns the number of checks, *failed those that failed. */
int gs_packet_selftest(int *failed);

/* A self-test's counts; gs_selftest_check counts one check in t->ran,
 * and in t->failed, with a line on stderr, when ok is false. */
struct gs_selftest {
	int ran, failed;
};
void gs_selftest_check(struct gs_selftest *t, bool ok, const char *what);

#endif
