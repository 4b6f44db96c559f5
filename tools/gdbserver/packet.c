/*
 * packet.c - framing of the GDB remote protocol (see packet.h).
 *
 * A packet is '$', a body, '#' and two hex digits of the body's byte sum
 * mod 256.  Outside a packet, '+' and '-' acknowledge, 0x03 interrupts and
 * anything else is noise.  A '$' inside a body starts the packet over (gdb
 * escapes a literal '$' in binary data).  The body stays escaped here: only
 * the commands that carry binary data (X) unescape theirs.
 */
#include "packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RX_IDLE, RX_BODY, RX_SUM1, RX_SUM2 };

void gs_rx_init(struct gs_rx *rx)
{
	rx->state = RX_IDLE;
	rx->overflow = false;
	rx->sum = 0;
	rx->hi = 0;
	rx->len = 0;
	rx->buf[0] = 0;
}

int gs_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum gs_rx_event gs_rx_byte(struct gs_rx *rx, unsigned char c)
{
	switch (rx->state) {
	case RX_IDLE:
		if (c == '$') {
			rx->state = RX_BODY;
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GS_RX_NONE;
		}
		if (c == '+')
			return GS_RX_ACK;
		if (c == '-')
			return GS_RX_NAK;
		if (c == 0x03)
			return GS_RX_INTERRUPT;
		return GS_RX_NONE;
	case RX_BODY:
		if (c == '$') { /* a new packet starts: drop the partial one */
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GS_RX_NONE;
		}
		if (c == '#') {
			rx->state = RX_SUM1;
			return GS_RX_NONE;
		}
		rx->sum += c;
		if (rx->len < GS_PACKET_MAX)
			rx->buf[rx->len++] = (char)c;
		else
			rx->overflow = true;
		return GS_RX_NONE;
	case RX_SUM1:
		rx->hi = gs_hexval(c);
		rx->state = RX_SUM2;
		return GS_RX_NONE;
	case RX_SUM2:
	default: {
		int lo = gs_hexval(c);
		rx->state = RX_IDLE;
		rx->buf[rx->len] = 0;
		if (rx->hi < 0 || lo < 0 ||
		    (unsigned)(rx->hi * 16 + lo) != (rx->sum & 0xff))
			return GS_RX_BADSUM;
		return rx->overflow ? GS_RX_TOOLONG : GS_RX_PACKET;
	}
	}
}

/* ---- output ------------------------------------------------------------ */

static bool out_reserve(struct gs_out *o, size_t more)
{
	if (o->oom)
		return false;
	if (o->len + more + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 256;
	while (cap < o->len + more + 1)
		cap *= 2;
	char *nb = realloc(o->buf, cap);
	if (!nb) {
		o->oom = true;
		return false;
	}
	o->buf = nb;
	o->cap = cap;
	return true;
}

void gs_out_reset(struct gs_out *o)
{
	o->len = 0;
	o->oom = false;
	if (o->buf)
		o->buf[0] = 0;
}

void gs_out_free(struct gs_out *o)
{
	free(o->buf);
	*o = (struct gs_out){ 0 };
}

void gs_out_mem(struct gs_out *o, const void *p, size_t n)
{
	if (!out_reserve(o, n))
		return;
	if (n)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = 0;
}

void gs_out_str(struct gs_out *o, const char *s)
{
	gs_out_mem(o, s, strlen(s));
}

void gs_out_xml(struct gs_out *o, const char *str)
{
	for (; *str; str++) {
		switch (*str) {
		case '<': gs_out_str(o, "&lt;"); break;
		case '>': gs_out_str(o, "&gt;"); break;
		case '&': gs_out_str(o, "&amp;"); break;
		case '"': gs_out_str(o, "&quot;"); break;
		default:
			if ((unsigned char)*str >= 0x20)
				gs_out_mem(o, str, 1);
		}
	}
}

void gs_out_fmt(struct gs_out *o, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		gs_out_mem(o, small, (size_t)n);
		return;
	}
	if (!out_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static const char hexdig[] = "0123456789abcdef";

void gs_out_hex(struct gs_out *o, const void *p, size_t n)
{
	const unsigned char *b = p;
	if (!out_reserve(o, 2 * n))
		return;
	for (size_t i = 0; i < n; i++) {
		o->buf[o->len++] = hexdig[b[i] >> 4];
		o->buf[o->len++] = hexdig[b[i] & 15];
	}
	o->buf[o->len] = 0;
}

static bool needs_escape(unsigned char c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}

void gs_out_bin(struct gs_out *o, const void *p, size_t n)
{
	const unsigned char *b = p;
	if (!out_reserve(o, 2 * n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (needs_escape(b[i])) {
			o->buf[o->len++] = '}';
			o->buf[o->len++] = (char)(b[i] ^ 0x20);
		} else {
			o->buf[o->len++] = (char)b[i];
		}
	}
	o->buf[o->len] = 0;
}

/* Run-length encoding: "c*N" stands for c and then N - 29 more c's.  N
 * is a printable character from ' ' (3 more) to '~' (97 more), but never
 * one the framing or some clients could take for something else. */
static bool rle_count_ok(size_t more)
{
	int n = (int)more + 29;
	return more >= 3 && more <= 97 && n != '#' && n != '$' && n != '+' &&
	       n != '-' && n != '*' && n != '}';
}

void gs_frame(const struct gs_out *o, struct gs_out *f)
{
	const char *b = o->buf ? o->buf : "";
	size_t n = o->len;
	gs_out_reset(f);
	gs_out_mem(f, "$", 1);
	for (size_t i = 0; i < n;) {
		if (b[i] == '}') {
			/* An escape and the byte it escapes go as they are: a
			 * run never starts on an escaped byte (clients differ on
			 * whether '*' after it repeats it escaped or not). */
			gs_out_mem(f, b + i, i + 1 < n ? 2 : 1);
			i += 2;
			continue;
		}
		size_t more = 0;
		while (i + 1 + more < n && more < 97 && b[i + 1 + more] == b[i])
			more++;
		while (more >= 3 && !rle_count_ok(more))
			more--;
		if (more >= 3) {
			char run[3] = { b[i], '*', (char)(more + 29) };
			gs_out_mem(f, run, 3);
			i += 1 + more;
		} else {
			gs_out_mem(f, b + i, 1);
			i++;
		}
	}
	unsigned sum = 0;
	for (size_t i = 1; i < f->len; i++)
		sum += (unsigned char)f->buf[i];
	char tail[3] = { '#', hexdig[(sum >> 4) & 15], hexdig[sum & 15] };
	gs_out_mem(f, tail, 3);
}

/* Undo gs_frame's run-length encoding of a body (for the self-test). */
static size_t st_unrle(const char *in, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '*' && k && i + 1 < n) {
			int more = (unsigned char)in[++i] - 29;
			for (int r = 0; r < more && k < cap; r++, k++)
				out[k] = out[k - 1];
		} else if (k < cap) {
			out[k++] = in[i];
		}
	}
	return k;
}

long gs_unescape(char *p, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '}') {
			if (++i >= n)
				return -1;
			p[j++] = (char)(p[i] ^ 0x20);
		} else {
			p[j++] = p[i];
		}
	}
	return (long)j;
}

bool gs_parse_hex(const char **s, uint64_t *out)
{
	const char *q = *s;
	uint64_t v = 0;
	int n = 0, d;
	while ((d = gs_hexval((unsigned char)*q)) >= 0) {
		if (++n > 16)
			return false;
		v = v << 4 | (uint64_t)d;
		q++;
	}
	if (!n)
		return false;
	*s = q;
	*out = v;
	return true;
}

bool gs_hex_decode(const char *s, size_t n, void *out)
{
	unsigned char *b = out;
	for (size_t i = 0; i < n; i++) {
		int hi = gs_hexval((unsigned char)s[2 * i]);
		if (hi < 0)
			return false;
		int lo = gs_hexval((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return false;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* ---- self-test (--selftest) ---------------------------------------------- */

void gs_selftest_check(struct gs_selftest *t, bool ok, const char *what)
{
	t->ran++;
	if (!ok) {
		t->failed++;
		fprintf(stderr, "self-test failed: %s\n", what);
	}
}

static struct gs_selftest st;

static void st_check(bool ok, const char *what)
{
	gs_selftest_check(&st, ok, what);
}

/* Feed a whole string to a fresh receiver; the last event. */
static enum gs_rx_event st_feed(struct gs_rx *rx, const char *s, size_t n)
{
	enum gs_rx_event ev = GS_RX_NONE;
	gs_rx_init(rx);
	for (size_t i = 0; i < n; i++) {
		enum gs_rx_event e = gs_rx_byte(rx, (unsigned char)s[i]);
		if (e != GS_RX_NONE)
			ev = e;
	}
	return ev;
}

int gs_packet_selftest(int *failed)
{
	static struct gs_rx rx;
	struct gs_out o = { 0 }, f = { 0 };
	st.ran = st.failed = 0;

	st_check(st_feed(&rx, "$g#67", 5) == GS_RX_PACKET && rx.len == 1 &&
			 rx.buf[0] == 'g',
		 "a good packet");
	st_check(st_feed(&rx, "$g#68", 5) == GS_RX_BADSUM, "a bad checksum");
	st_check(st_feed(&rx, "$g#zz", 5) == GS_RX_BADSUM, "a non-hex checksum");
	st_check(st_feed(&rx, "$xx$g#67", 8) == GS_RX_PACKET && rx.len == 1,
		 "'$' restarts a packet");
	st_check(st_feed(&rx, "\x03", 1) == GS_RX_INTERRUPT, "the interrupt byte");
	st_check(st_feed(&rx, "+", 1) == GS_RX_ACK && st_feed(&rx, "-", 1) == GS_RX_NAK,
		 "acks");

	gs_out_str(&o, "OK");
	gs_frame(&o, &f);
	st_check(f.len == 6 && memcmp(f.buf, "$OK#9a", 6) == 0, "framing OK");

	const unsigned char raw[] = { '#', '$', '}', '*', 0, 'a' };
	gs_out_reset(&o);
	gs_out_bin(&o, raw, sizeof raw);
	st_check(o.len == 10 && memcmp(o.buf, "}\x03}\x04}]}\x0a", 8) == 0,
		 "binary escapes");
	long n = gs_unescape(o.buf, o.len);
	st_check(n == (long)sizeof raw && memcmp(o.buf, raw, sizeof raw) == 0,
		 "unescape undoes escape");
	char dangling[] = "ab}";
	st_check(gs_unescape(dangling, 3) == -1, "a dangling escape");

	gs_out_reset(&o);
	gs_out_hex(&o, "\x01\xab", 2);
	st_check(strcmp(o.buf, "01ab") == 0, "hex encoding");
	unsigned char b[2];
	st_check(gs_hex_decode("01AB", 2, b) && b[0] == 1 && b[1] == 0xab,
		 "hex decoding");
	st_check(!gs_hex_decode("0g", 1, b), "bad hex");
	const char *p = "ffffffffffffffff,";
	uint64_t v;
	st_check(gs_parse_hex(&p, &v) && v == UINT64_MAX && *p == ',',
		 "a 64-bit number");
	p = "10000000000000000";
	st_check(!gs_parse_hex(&p, &v), "a number too long");

	char big[GS_PACKET_MAX + 8];
	big[0] = '$';
	memset(big + 1, 'a', GS_PACKET_MAX + 1);
	unsigned sum = (unsigned)('a' * (GS_PACKET_MAX + 1));
	snprintf(big + GS_PACKET_MAX + 2, 4, "#%02x", sum & 0xff);
	st_check(st_feed(&rx, big, GS_PACKET_MAX + 5) == GS_RX_TOOLONG,
		 "an overlong packet");

	/* Run-length encoding: every run length from 1 to 300 comes back
	 * whole, with no count character the framing reserves. */
	bool rle_ok = true, counts_ok = true;
	for (size_t len = 1; len <= 300; len++) {
		char body[320], back[400];
		memset(body, '0', len);
		body[len] = 'x';
		gs_out_reset(&o);
		gs_out_mem(&o, body, len + 1);
		gs_frame(&o, &f);
		size_t k = st_unrle(f.buf + 1, f.len - 4, back, sizeof back);
		if (k != len + 1 || memcmp(back, body, len + 1) != 0)
			rle_ok = false;
		for (size_t i = 1; i + 1 < f.len - 3; i++)
			if (f.buf[i] == '*' && strchr("#$+-*}", f.buf[i + 1]))
				counts_ok = false;
	}
	st_check(rle_ok, "run-length encoding round trip");
	st_check(counts_ok, "run-length counts avoid # $ + - * }");
	gs_out_reset(&o);
	gs_out_str(&o, "00000000");
	gs_frame(&o, &f);
	st_check(f.len == 9 && memcmp(f.buf, "$0*\"00#", 7) == 0,
		 "a run of 8 (7 more: '$' avoided)");
	const unsigned char esc[] = { '}', '}', '}', '}', '}', 'a' };
	gs_out_reset(&o);
	gs_out_bin(&o, esc, sizeof esc);
	gs_frame(&o, &f);
	st_check(f.len == 15 && memcmp(f.buf, "$}]}]}]}]}]a#", 13) == 0,
		 "escaped bytes are never run-length encoded");

	gs_out_free(&o);
	gs_out_free(&f);
	*failed = st.failed;
	return st.ran;
}
