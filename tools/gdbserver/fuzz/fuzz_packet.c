/*
 * fuzz_packet.c - libFuzzer harness for the packet layer and the command
 * parser of proctrace-gdbserver, with no process behind them, in the
 * server's sandbox mode: vRun and vAttach are refused and vFile opens and
 * removes no file (a fuzzer must not start programs or write files).
 *
 * The first byte picks the mode: odd, the rest is a raw byte stream from
 * the client (framing, checksums, acks, interrupts); even, the rest is
 * packet bodies separated by '\n', handed to the command parser as if
 * their checksums were right.  Replies are checked for framing.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int check_reply(void *ctx, const void *p, size_t n)
{
	const char *b = p;
	(void)ctx;
	/* Either an ack or a framed packet "$...#xx". */
	if (n == 1 && (b[0] == '+' || b[0] == '-'))
		return 0;
	if (n < 4 || b[0] != '$' || b[n - 3] != '#')
		abort();
	unsigned sum = 0;
	for (size_t i = 1; i < n - 3; i++) {
		if (b[i] == '$' || b[i] == '#')
			abort(); /* unescaped framing byte in a reply */
		sum += (unsigned char)b[i];
	}
	if (gs_hexval((unsigned char)b[n - 2]) * 16 +
		    gs_hexval((unsigned char)b[n - 1]) != (int)(sum & 0xff))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct gs_rx rx;
	struct gs_server s;
	if (size < 1)
		return 0;
	gs_server_init(&s);
	s.send = check_reply;
	s.sandbox = true;
	if (data[0] & 1) {
		gs_rx_init(&rx);
		gs_server_input(&s, &rx, data + 1, size - 1);
	} else {
		const unsigned char *p = data + 1, *end = data + size;
		while (p < end && !s.want_exit) {
			const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char *body = malloc(n + 1);
			if (!body)
				break;
			memcpy(body, p, n);
			body[n] = 0;
			gs_server_packet(&s, body, strlen(body));
			free(body);
			p += n + 1;
		}
	}
	gs_server_fini(&s);
	return 0;
}
