/*
 * agent.c - gdb agent-expression bytecode for target-side breakpoint
 * conditions: the evaluator, the parser of a Z packet's ";X<len>,<hex>"
 * conditions, and their self-test.  See agent.h.
 *
 * The machine: a stack of 64-bit values (unsigned here; the signed opcodes
 * reinterpret them), a pc indexing the code, a step counter.  Every opcode
 * checks its operand bytes, its stack depth and its jump target before
 * acting, so no input can read or write outside the code or the stack.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "packet.h"

/* Opcode numbers (gdb manual, "Bytecode Descriptions"). */
enum {
	OP_FLOAT = 0x01,
	OP_ADD = 0x02,
	OP_SUB = 0x03,
	OP_MUL = 0x04,
	OP_DIV_SIGNED = 0x05,
	OP_DIV_UNSIGNED = 0x06,
	OP_REM_SIGNED = 0x07,
	OP_REM_UNSIGNED = 0x08,
	OP_LSH = 0x09,
	OP_RSH_SIGNED = 0x0a,
	OP_RSH_UNSIGNED = 0x0b,
	OP_TRACE = 0x0c,
	OP_TRACE_QUICK = 0x0d,
	OP_LOG_NOT = 0x0e,
	OP_BIT_AND = 0x0f,
	OP_BIT_OR = 0x10,
	OP_BIT_XOR = 0x11,
	OP_BIT_NOT = 0x12,
	OP_EQUAL = 0x13,
	OP_LESS_SIGNED = 0x14,
	OP_LESS_UNSIGNED = 0x15,
	OP_EXT = 0x16,
	OP_REF8 = 0x17,
	OP_REF16 = 0x18,
	OP_REF32 = 0x19,
	OP_REF64 = 0x1a,
	OP_REF_FLOAT = 0x1b,
	OP_REF_DOUBLE = 0x1c,
	OP_REF_LONG_DOUBLE = 0x1d,
	OP_L_TO_D = 0x1e,
	OP_D_TO_L = 0x1f,
	OP_IF_GOTO = 0x20,
	OP_GOTO = 0x21,
	OP_CONST8 = 0x22,
	OP_CONST16 = 0x23,
	OP_CONST32 = 0x24,
	OP_CONST64 = 0x25,
	OP_REG = 0x26,
	OP_END = 0x27,
	OP_DUP = 0x28,
	OP_POP = 0x29,
	OP_ZERO_EXT = 0x2a,
	OP_SWAP = 0x2b,
	OP_GETV = 0x2c,
	OP_SETV = 0x2d,
	OP_TRACEV = 0x2e,
	OP_TRACENZ = 0x2f,
	OP_TRACE16 = 0x30,
	/* 0x31 is unassigned */
	OP_PICK = 0x32,
	OP_ROT = 0x33,
	OP_PRINTF = 0x34,
};

/* A big-endian operand of n bytes at p (bytecode operands are big-endian
 * whatever the target). */
static uint64_t be_operand(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The two's-complement reading of v, without relying on the
 * implementation-defined conversion. */
static int64_t as_signed(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return (int64_t)v;
	return -(int64_t)(~v) - 1;
}

/* Sign-extend v from its low n bits, 1 <= n < 64. */
static uint64_t sign_extend(uint64_t v, unsigned n)
{
	uint64_t m = (uint64_t)1 << (n - 1);
	v &= ((uint64_t)1 << n) - 1;
	return (v ^ m) - m;
}

int gs_agent_eval(const unsigned char *code, size_t len,
		  const struct gs_agent_ctx *ctx, int64_t *result)
{
	uint64_t st[GS_AGENT_STACK];
	size_t sp = 0;      /* entries on the stack; the top is st[sp - 1] */
	size_t pc = 0;
	unsigned long steps = 0;

	if ((!code && len) || !result)
		return GS_AGENT_EINVAL;

/* Operand bytes after the opcode, the stack depth an opcode needs, a
 * push: each returns an error from the evaluation when it fails. */
#define OPERAND(n) do { if (len - pc < (n)) return GS_AGENT_ETRUNC; } while (0)
#define NEED(n) do { if (sp < (n)) return GS_AGENT_EUNDERFLOW; } while (0)
#define PUSH(v) do { uint64_t pushed_ = (v); \
		     if (sp >= GS_AGENT_STACK) return GS_AGENT_EOVERFLOW; \
		     st[sp] = pushed_; sp++; } while (0)
#define TOP st[sp - 1]
#define NEXT st[sp - 2]

	for (;;) {
		unsigned char op;
		uint64_t a, b;

		if (pc >= len)
			return GS_AGENT_ETRUNC;
		if (++steps > GS_AGENT_MAX_STEPS)
			return GS_AGENT_ESTEPS;
		op = code[pc++];

		switch (op) {
		/* Two operands a (next-to-top) and b (top), one result. */
		case OP_ADD: case OP_SUB: case OP_MUL:
		case OP_DIV_SIGNED: case OP_DIV_UNSIGNED:
		case OP_REM_SIGNED: case OP_REM_UNSIGNED:
		case OP_LSH: case OP_RSH_SIGNED: case OP_RSH_UNSIGNED:
		case OP_BIT_AND: case OP_BIT_OR: case OP_BIT_XOR:
		case OP_EQUAL: case OP_LESS_SIGNED: case OP_LESS_UNSIGNED: {
			uint64_t r = 0;
			NEED(2);
			a = NEXT;
			b = TOP;
			switch (op) {
			case OP_ADD: r = a + b; break;
			case OP_SUB: r = a - b; break;
			case OP_MUL: r = a * b; break;
			case OP_DIV_SIGNED:
			case OP_REM_SIGNED: {
				int64_t sa = as_signed(a), sb = as_signed(b);
				if (sb == 0)
					return GS_AGENT_EDIV;
				if (sb == -1) /* INT64_MIN / -1 wraps */
					r = op == OP_DIV_SIGNED ? 0 - a : 0;
				else
					r = (uint64_t)(op == OP_DIV_SIGNED ?
						       sa / sb : sa % sb);
				break;
			}
			case OP_DIV_UNSIGNED:
			case OP_REM_UNSIGNED:
				if (b == 0)
					return GS_AGENT_EDIV;
				r = op == OP_DIV_UNSIGNED ? a / b : a % b;
				break;
			/* Shifts by 64 or more: all bits shifted out. */
			case OP_LSH: r = b >= 64 ? 0 : a << b; break;
			case OP_RSH_UNSIGNED: r = b >= 64 ? 0 : a >> b; break;
			case OP_RSH_SIGNED: {
				bool neg = a >> 63;
				unsigned s = b >= 63 ? 63 : (unsigned)b;
				r = neg ? ~(~a >> s) : a >> s;
				break;
			}
			case OP_BIT_AND: r = a & b; break;
			case OP_BIT_OR: r = a | b; break;
			case OP_BIT_XOR: r = a ^ b; break;
			case OP_EQUAL: r = a == b; break;
			case OP_LESS_SIGNED: r = as_signed(a) < as_signed(b); break;
			case OP_LESS_UNSIGNED: r = a < b; break;
			}
			sp--;
			TOP = r;
			break;
		}

		case OP_LOG_NOT:
			NEED(1);
			TOP = TOP == 0;
			break;
		case OP_BIT_NOT:
			NEED(1);
			TOP = ~TOP;
			break;

		case OP_EXT: case OP_ZERO_EXT: {
			unsigned n;
			OPERAND(1);
			n = code[pc++];
			NEED(1);
			if (n >= 64) /* as wide as the stack: no effect */
				break;
			if (op == OP_ZERO_EXT)
				TOP &= ((uint64_t)1 << n) - 1;
			else if (n == 0)
				return GS_AGENT_EINVAL;
			else
				TOP = sign_extend(TOP, n);
			break;
		}

		case OP_REF8: case OP_REF16: case OP_REF32: case OP_REF64: {
			size_t n = (size_t)1 << (op - OP_REF8);
			unsigned char buf[8];
			NEED(1);
			if (!ctx || !ctx->mem || ctx->mem(ctx->user, TOP, buf, n) != 0)
				return GS_AGENT_EMEM;
			/* Little-endian target memory. */
			a = 0;
			for (size_t i = n; i-- > 0;)
				a = a << 8 | buf[i];
			TOP = a;
			break;
		}

		case OP_IF_GOTO: case OP_GOTO: {
			size_t target;
			OPERAND(2);
			target = (size_t)be_operand(code + pc, 2);
			pc += 2;
			/* A target outside the code is an error even when the
			 * branch is not taken: the code is malformed. */
			if (target >= len)
				return GS_AGENT_EJUMP;
			if (op == OP_IF_GOTO) {
				NEED(1);
				if (st[--sp] == 0)
					break;
			}
			pc = target;
			break;
		}

		case OP_CONST8: case OP_CONST16: case OP_CONST32: case OP_CONST64: {
			size_t n = (size_t)1 << (op - OP_CONST8);
			OPERAND(n);
			a = be_operand(code + pc, n);
			pc += n;
			PUSH(a);
			break;
		}

		case OP_REG: {
			int regnum;
			OPERAND(2);
			regnum = (int)be_operand(code + pc, 2);
			pc += 2;
			if (!ctx || !ctx->reg || ctx->reg(ctx->user, regnum, &a) != 0)
				return GS_AGENT_EREG;
			PUSH(a);
			break;
		}

		case OP_END:
			NEED(1);
			*result = as_signed(TOP);
			return GS_AGENT_OK;

		case OP_DUP:
			NEED(1);
			PUSH(TOP);
			break;
		case OP_POP:
			NEED(1);
			sp--;
			break;
		case OP_SWAP:
			NEED(2);
			a = TOP;
			TOP = NEXT;
			NEXT = a;
			break;
		case OP_PICK: {
			size_t n;
			OPERAND(1);
			n = code[pc++];
			NEED(n + 1);
			PUSH(st[sp - 1 - n]);
			break;
		}
		case OP_ROT: /* a b c => c a b */
			NEED(3);
			a = st[sp - 3];
			b = st[sp - 2];
			st[sp - 3] = st[sp - 1];
			st[sp - 2] = a;
			st[sp - 1] = b;
			break;

		/* Tracing records nothing here; the stack effects stay. */
		case OP_TRACE:   /* addr size => */
		case OP_TRACENZ: /* addr size => */
			NEED(2);
			sp -= 2;
			break;
		case OP_TRACE_QUICK: /* (size8) addr => addr */
			OPERAND(1);
			pc += 1;
			NEED(1);
			break;
		case OP_TRACE16: /* (size16) addr => addr */
			OPERAND(2);
			pc += 2;
			NEED(1);
			break;
		case OP_TRACEV: /* (var16) => */
			OPERAND(2);
			pc += 2;
			break;

		/* Floating point, trace state variables (no table kept here)
		 * and printf. */
		case OP_FLOAT:
		case OP_REF_FLOAT: case OP_REF_DOUBLE: case OP_REF_LONG_DOUBLE:
		case OP_L_TO_D: case OP_D_TO_L:
		case OP_GETV: case OP_SETV:
		case OP_PRINTF:
			return GS_AGENT_EUNSUP;

		default:
			return GS_AGENT_EBADOP;
		}
	}
#undef OPERAND
#undef NEED
#undef PUSH
#undef TOP
#undef NEXT
}

const char *gs_agent_strerror(int err)
{
	switch (err) {
	case GS_AGENT_OK: return "ok";
	case GS_AGENT_EBADOP: return "bad opcode";
	case GS_AGENT_ETRUNC: return "code truncated";
	case GS_AGENT_EUNDERFLOW: return "stack underflow";
	case GS_AGENT_EOVERFLOW: return "stack overflow";
	case GS_AGENT_EJUMP: return "bad jump target";
	case GS_AGENT_EMEM: return "memory read failed";
	case GS_AGENT_EREG: return "register read failed";
	case GS_AGENT_EDIV: return "division by zero";
	case GS_AGENT_ESTEPS: return "too many steps";
	case GS_AGENT_EUNSUP: return "unsupported opcode";
	case GS_AGENT_EINVAL: return "invalid argument";
	default: return "unknown error";
	}
}

/* ---- conditions of a Z packet ------------------------------------------ */

void gs_agent_conds_free(struct gs_agent_conds *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].code);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* One "X<len>,<hex>" at *pp (past the 'X'), appended to out. */
static int parse_one(const char **pp, struct gs_agent_conds *out)
{
	const char *p = *pp;
	uint64_t n;
	unsigned char *code;
	struct gs_agent_cond *v;

	if (!gs_parse_hex(&p, &n) || *p != ',')
		return -1;
	p++;
	if (n == 0 || n > GS_AGENT_MAX_CODE)
		return -1;
	/* Exactly 2n hex digits, then the end, ';' or the next 'X'. */
	for (size_t i = 0; i < 2 * n; i++)
		if (gs_hexval((unsigned char)p[i]) < 0)
			return -1;
	if (p[2 * n] != '\0' && p[2 * n] != ';' && p[2 * n] != 'X')
		return -1;
	if (out->n >= GS_AGENT_MAX_CONDS)
		return -1;
	code = malloc(n);
	if (!code)
		return -1;
	if (!gs_hex_decode(p, n, code)) {
		free(code);
		return -1;
	}
	v = realloc(out->v, (out->n + 1) * sizeof *v);
	if (!v) {
		free(code);
		return -1;
	}
	out->v = v;
	out->v[out->n].code = code;
	out->v[out->n].len = n;
	out->n++;
	*pp = p + 2 * n;
	return 0;
}

int gs_agent_parse_conds(const char *p, struct gs_agent_conds *out,
			 const char **rest)
{
	if (!out)
		return -1;
	out->v = NULL;
	out->n = 0;
	if (!p)
		return -1;
	while (*p) {
		if (*p == ';')
			p++;
		if (*p == 'X') {
			p++;
			if (parse_one(&p, out) != 0)
				goto bad;
		} else if (strncmp(p, "cmds:", 5) == 0) {
			break;
		} else {
			goto bad; /* unknown token, ";;" or a trailing ';' */
		}
	}
	if (rest)
		*rest = p;
	return 0;
bad:
	gs_agent_conds_free(out);
	return -1;
}

int gs_agent_conds_true(const struct gs_agent_conds *c,
			const struct gs_agent_ctx *ctx, int *first_err)
{
	if (first_err)
		*first_err = 0;
	if (!c)
		return 1;
	if (c->n == 0)
		return 1;
	for (size_t i = 0; i < c->n; i++) {
		int64_t v;
		int r = gs_agent_eval(c->v[i].code, c->v[i].len, ctx, &v);
		if (r != 0) {
			if (first_err)
				*first_err = r;
			return 1;
		}
		if (v != 0)
			return 1;
	}
	return 0;
}

/* ---- self-test (--selftest) ---------------------------------------------- */

static struct gs_selftest st;

/* Fake target: 64 bytes of memory at ST_BASE; registers 0..39 hold
 * 0x1000 + n, except 6 (rbp on amd64) = ST_BASE + 0x20 and 7 = -128. */
#define ST_BASE 0x7ffc1000ULL
static unsigned char st_memory[64];

/* A global int as well, at the address of gdb's packet below. */
#define ST_GLOBAL 0x555555558014ULL
static unsigned char st_global[4];

static int st_mem(void *user, uint64_t addr, void *buf, size_t len)
{
	(void)user;
	if (addr == ST_GLOBAL && len == sizeof st_global) {
		memcpy(buf, st_global, len);
		return 0;
	}
	if (addr < ST_BASE || addr - ST_BASE > sizeof st_memory ||
	    len > sizeof st_memory - (addr - ST_BASE))
		return -1;
	memcpy(buf, st_memory + (addr - ST_BASE), len);
	return 0;
}

static int st_reg(void *user, int regnum, uint64_t *val)
{
	(void)user;
	if (regnum < 0 || regnum >= 40)
		return -1;
	*val = regnum == 6 ? ST_BASE + 0x20 :
	       regnum == 7 ? (uint64_t)-128 : 0x1000 + (uint64_t)regnum;
	return 0;
}

static const struct gs_agent_ctx st_ctx = { NULL, st_reg, st_mem };

/* Run the bytecode spelled in hex (spaces allowed); *val its result. */
static int st_run(const char *hex, int64_t *val)
{
	unsigned char code[256];
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (n == sizeof code || gs_hexval((unsigned char)p[0]) < 0 ||
		    gs_hexval((unsigned char)p[1]) < 0)
			return 1000; /* a broken test, not an agent error */
		code[n++] = (unsigned char)(gs_hexval((unsigned char)p[0]) << 4 |
					    gs_hexval((unsigned char)p[1]));
		p += 2;
	}
	*val = 0;
	return gs_agent_eval(code, n, &st_ctx, val);
}

static void st_val(const char *hex, int64_t want, const char *what)
{
	int64_t v;
	int r = st_run(hex, &v);
	gs_selftest_check(&st, r == 0 && v == want, what);
}

static void st_err(const char *hex, int want, const char *what)
{
	int64_t v;
	gs_selftest_check(&st, st_run(hex, &v) == want, what);
}

static void st_eval_tests(void)
{
	/* Arithmetic: a b op, a the next-to-top. */
	st_val("2205 2203 02 27", 8, "agent: add");
	st_val("2203 2205 03 27", -2, "agent: sub (next-to-top minus top)");
	st_val("2206 2207 04 27", 42, "agent: mul");
	st_val("22f9 1608 2202 05 27", -3, "agent: div_signed -7/2");
	st_val("2264 2207 06 27", 14, "agent: div_unsigned 100/7");
	st_val("22f9 1608 2202 07 27", -1, "agent: rem_signed -7%2");
	st_val("2264 2207 08 27", 2, "agent: rem_unsigned 100%7");
	st_val("22ff 1608 2202 06 27", INT64_MAX, "agent: div_unsigned -1/2");
	st_val("258000000000000000 22ff 1608 05 27", INT64_MIN,
	       "agent: div_signed INT64_MIN/-1 wraps");
	st_val("258000000000000000 22ff 1608 07 27", 0,
	       "agent: rem_signed INT64_MIN%-1");
	st_err("2201 2200 05 27", GS_AGENT_EDIV, "agent: div_signed by zero");
	st_err("2201 2200 06 27", GS_AGENT_EDIV, "agent: div_unsigned by zero");
	st_err("2201 2200 07 27", GS_AGENT_EDIV, "agent: rem_signed by zero");
	st_err("2201 2200 08 27", GS_AGENT_EDIV, "agent: rem_unsigned by zero");
	st_val("2201 2204 09 27", 16, "agent: lsh");
	st_val("2201 2240 09 27", 0, "agent: lsh by 64");
	st_val("22f0 1608 2202 0a 27", -4, "agent: rsh_signed -16>>2");
	st_val("22f0 1608 2250 0a 27", -1, "agent: rsh_signed -16>>80");
	st_val("22f0 1608 223c 0b 27", 15, "agent: rsh_unsigned -16>>60");
	st_val("2240 2202 0a 27", 16, "agent: rsh_signed 64>>2");
	st_val("2200 0e 27", 1, "agent: log_not 0");
	st_val("2205 0e 27", 0, "agent: log_not 5");
	st_val("220c 220a 0f 27", 8, "agent: bit_and");
	st_val("220c 220a 10 27", 14, "agent: bit_or");
	st_val("220c 220a 11 27", 6, "agent: bit_xor");
	st_val("2200 12 27", -1, "agent: bit_not");
	st_val("2205 2205 13 27", 1, "agent: equal");
	st_val("2205 2206 13 27", 0, "agent: equal, unequal");
	st_val("22ff 1608 2201 14 27", 1, "agent: less_signed -1<1");
	st_val("22ff 1608 2201 15 27", 0, "agent: less_unsigned -1<1");
	st_val("2201 2202 15 27", 1, "agent: less_unsigned 1<2");
	st_val("2202 2201 14 27", 0, "agent: less_signed 2<1");

	/* Constants (big-endian operands, no sign extension) and ext. */
	st_val("22ff 27", 255, "agent: const8 not sign-extended");
	st_val("231234 27", 0x1234, "agent: const16");
	st_val("2412345678 27", 0x12345678, "agent: const32");
	st_val("250123456789abcdef 27", 0x0123456789abcdefLL, "agent: const64");
	st_val("2280 1608 27", -128, "agent: ext 8");
	st_val("227f 1608 27", 127, "agent: ext 8 positive");
	st_val("2301ff 1608 27", -1, "agent: ext 8 ignores upper bits");
	st_val("238000 1610 27", -32768, "agent: ext 16");
	st_val("2480000000 1620 27", -2147483648LL, "agent: ext 32");
	st_val("247fffffff 1620 27", 2147483647, "agent: ext 32 positive");
	st_val("22ff 1640 27", 255, "agent: ext 64 has no effect");
	st_val("2201 1601 27", -1, "agent: ext 1");
	st_err("2201 1600 27", GS_AGENT_EINVAL, "agent: ext 0");
	st_val("22ff 1608 2a08 27", 255, "agent: zero_ext 8");
	st_val("22ff 1608 2a20 27", 0xffffffffLL, "agent: zero_ext 32");
	st_val("22ff 1608 2a40 27", -1, "agent: zero_ext 64 has no effect");

	/* Memory (little-endian) and registers. */
	for (size_t i = 0; i < sizeof st_memory; i++)
		st_memory[i] = (unsigned char)(i + 1);
	st_memory[0x0c] = 0xf0;
	st_memory[0x0c + 1] = 0xff;
	/* an int at rbp-0x14 (0x7ffc100c) = -16 */
	st_memory[0x0e] = 0xff;
	st_memory[0x0f] = 0xff;
	st_val("247ffc1000 17 27", 0x01, "agent: ref8");
	st_val("247ffc1000 18 27", 0x0201, "agent: ref16");
	st_val("247ffc1000 19 27", 0x04030201, "agent: ref32");
	st_val("247ffc1000 1a 27", 0x0807060504030201LL, "agent: ref64");
	st_val("247ffc1001 19 27", 0x05040302, "agent: ref32 unaligned");
	st_val("247ffc100c 17 27", 0xf0, "agent: ref8 is unsigned");
	st_val("247ffc100c 17 1608 27", -16, "agent: ref8 then ext 8");
	st_val("247ffc1038 1a 27", 0x403f3e3d3c3b3a39LL, "agent: ref64 at the end");
	st_err("247ffc1039 1a 27", GS_AGENT_EMEM, "agent: ref64 past the end");
	st_err("2200 17 27", GS_AGENT_EMEM, "agent: ref8 at 0");
	st_val("260001 27", 0x1001, "agent: reg 1");
	st_val("260027 27", 0x1027, "agent: reg 39 (operand big-endian)");
	st_err("260100 27", GS_AGENT_EREG, "agent: reg 256 fails");
	st_err("2600", GS_AGENT_ETRUNC, "agent: reg truncated");
	st_val("260007 27", -128, "agent: reg 7, all 64 bits");
	/* gdb's "x == -16" for an int at rbp-0x14 (amd64: rbp is 6) */
	st_val("260006 2214 03 19 1620 22f0 1608 13 27", 1,
	       "agent: condition int at rbp-0x14 == -16");
	st_val("260006 2214 03 19 1620 2210 13 27", 0,
	       "agent: condition int at rbp-0x14 == 16");
	/* gdb's "x < 0 && x > -20": x < 0, dup, log_not, if_goto end (the
	 * 0 stays as the result); pop, then -20 < x.  Offsets: 14 if_goto 32,
	 * 17 pop, 32 end. */
	st_val("260006 2214 03 19 1620 2200 14 28 0e 200020 29"
	       "22ec 1608 260006 2214 03 19 1620 14 27", 1,
	       "agent: condition x < 0 && x > -20");
	st_val("2210 2200 14 28 0e 200012 29 22ec 1608 2210 14 27", 0,
	       "agent: condition 16 < 0 && 16 > -20 branches to end");

	/* Stack opcodes. */
	st_val("2205 28 02 27", 10, "agent: dup");
	st_val("2205 2206 29 27", 5, "agent: pop");
	st_val("2201 2202 2b 03 27", 1, "agent: swap");
	st_val("2205 2206 3201 27", 5, "agent: pick 1");
	st_val("2205 3200 02 27", 10, "agent: pick 0 is dup");
	st_err("2205 3201 27", GS_AGENT_EUNDERFLOW, "agent: pick past the bottom");
	st_val("2201 2202 2203 33 27", 2, "agent: rot, top");
	st_val("2201 2202 2203 33 29 27", 1, "agent: rot, next-to-top");
	st_val("2201 2202 2203 33 29 29 27", 3, "agent: rot, third");

	/* Branches: sum 1..10 with a loop. */
	st_val("2200 220a 28 0e 200013 28 33 02 2b 2201 03 210004 29 27", 55,
	       "agent: if_goto/goto loop sums 1..10");
	st_val("2200 200007 2207 27", 7, "agent: if_goto not taken");
	st_val("2201 200008 2207 27 2209 27", 9, "agent: if_goto taken");
	st_val("210006 2201 27 2202 27", 2, "agent: goto");
	st_err("210000", GS_AGENT_ESTEPS, "agent: goto loop bounded");
	st_err("2201 200000", GS_AGENT_ESTEPS, "agent: if_goto loop bounded");
	st_err("2201 210000", GS_AGENT_EOVERFLOW, "agent: push loop overflows");
	st_err("210004 27", GS_AGENT_EJUMP, "agent: goto past the end");
	st_err("2200 200006 27", GS_AGENT_EJUMP, "agent: if_goto past the end");
	st_err("2100", GS_AGENT_ETRUNC, "agent: goto truncated");

	/* Errors. */
	st_err("", GS_AGENT_ETRUNC, "agent: empty code");
	st_err("2201", GS_AGENT_ETRUNC, "agent: no end");
	st_err("27", GS_AGENT_EUNDERFLOW, "agent: end on an empty stack");
	st_err("02 27", GS_AGENT_EUNDERFLOW, "agent: add on an empty stack");
	st_err("2201 02 27", GS_AGENT_EUNDERFLOW, "agent: add on one value");
	st_err("29 27", GS_AGENT_EUNDERFLOW, "agent: pop on an empty stack");
	st_err("2201 2202 33 27", GS_AGENT_EUNDERFLOW, "agent: rot on two values");
	st_err("17 27", GS_AGENT_EUNDERFLOW, "agent: ref8 on an empty stack");
	st_err("200000", GS_AGENT_EUNDERFLOW, "agent: if_goto on an empty stack");
	st_err("00", GS_AGENT_EBADOP, "agent: opcode 0x00");
	st_err("2201 31 27", GS_AGENT_EBADOP, "agent: opcode 0x31");
	st_err("35", GS_AGENT_EBADOP, "agent: opcode 0x35");
	st_err("ff", GS_AGENT_EBADOP, "agent: opcode 0xff");
	st_err("01", GS_AGENT_EUNSUP, "agent: float");
	st_err("2200 1c 27", GS_AGENT_EUNSUP, "agent: ref_double");
	st_err("2200 1e 27", GS_AGENT_EUNSUP, "agent: l_to_d");
	st_err("2c0000 27", GS_AGENT_EUNSUP, "agent: getv");
	st_err("2201 2d0000 27", GS_AGENT_EUNSUP, "agent: setv");
	st_err("2200 2200 340000020a00", GS_AGENT_EUNSUP, "agent: printf");
	st_err("2312", GS_AGENT_ETRUNC, "agent: const16 truncated");
	st_err("25010203", GS_AGENT_ETRUNC, "agent: const64 truncated");
	st_err("2201 16", GS_AGENT_ETRUNC, "agent: ext truncated");

	/* Trace opcodes record nothing but keep their stack effects. */
	st_val("2205 2210 2204 0c 27", 5, "agent: trace pops two");
	st_val("2210 0d04 27", 0x10, "agent: trace_quick keeps addr");
	st_val("2210 300004 27", 0x10, "agent: trace16 keeps addr");
	st_val("2205 2210 2204 2f 27", 5, "agent: tracenz pops two");
	st_val("2e0001 2209 27", 9, "agent: tracev no stack effect");
	st_err("2210 0c 27", GS_AGENT_EUNDERFLOW, "agent: trace on one value");
	st_err("0d04 27", GS_AGENT_EUNDERFLOW, "agent: trace_quick on none");

	{
		int64_t v;
		unsigned char end = OP_END;
		struct gs_agent_ctx none = { NULL, NULL, NULL };
		unsigned char reg[] = { OP_REG, 0, 1, OP_END };
		unsigned char ref[] = { OP_CONST8, 0, OP_REF8, OP_END };
		gs_selftest_check(&st, gs_agent_eval(reg, sizeof reg, &none, &v) ==
				  GS_AGENT_EREG, "agent: reg without a callback");
		gs_selftest_check(&st, gs_agent_eval(ref, sizeof ref, NULL, &v) ==
				  GS_AGENT_EMEM, "agent: ref8 without a context");
		gs_selftest_check(&st, gs_agent_eval(&end, 1, NULL, NULL) ==
				  GS_AGENT_EINVAL, "agent: no result pointer");
		gs_selftest_check(&st, strcmp(gs_agent_strerror(GS_AGENT_EDIV),
					      "division by zero") == 0,
				  "agent: strerror");
	}
}

static void st_parse_ok(const char *s, size_t n, const char *want_rest,
			const char *what)
{
	struct gs_agent_conds c;
	const char *rest = NULL;
	int r = gs_agent_parse_conds(s, &c, &rest);
	gs_selftest_check(&st, r == 0 && c.n == n && rest &&
			  strcmp(rest, want_rest) == 0, what);
	gs_agent_conds_free(&c);
}

static void st_parse_bad(const char *s, const char *what)
{
	struct gs_agent_conds c;
	int r = gs_agent_parse_conds(s, &c, NULL);
	gs_selftest_check(&st, r == -1 && c.n == 0 && c.v == NULL, what);
	gs_agent_conds_free(&c);
}

static void st_parse_tests(void)
{
	struct gs_agent_conds c;
	int err;

	st_parse_ok("", 0, "", "agent: parse, no conditions");
	st_parse_ok(";X3,220127", 1, "", "agent: parse, one condition");
	st_parse_ok(";X3,220127X5,2201230027", 2, "",
		    "agent: parse, two back to back");
	st_parse_ok(";X3,220127;X5,2201230027", 2, "",
		    "agent: parse, two with ';'");
	st_parse_ok(";X3,22FF27", 1, "", "agent: parse, upper-case hex");
	st_parse_ok(";X3,220127;cmds:0,X3,220127", 1, "cmds:0,X3,220127",
		    "agent: parse, conditions then commands");
	st_parse_ok(";cmds:1,X3,220127", 0, "cmds:1,X3,220127",
		    "agent: parse, commands only");
	st_parse_bad(";X3,2201", "agent: parse, too few digits");
	st_parse_bad(";X3,22012700", "agent: parse, too many digits");
	st_parse_bad(";X3,22012", "agent: parse, odd digits");
	st_parse_bad(";X3,2201zz", "agent: parse, non-hex digits");
	st_parse_bad(";X,220127", "agent: parse, no length");
	st_parse_bad(";X3220127", "agent: parse, no comma");
	st_parse_bad(";X0,", "agent: parse, empty expression");
	st_parse_bad(";Xffffffffffffffff,00", "agent: parse, huge length");
	st_parse_bad(";X11111111111111111,00", "agent: parse, length overflow");
	st_parse_bad(";X3,220127;Y", "agent: parse, unknown token");
	st_parse_bad(";X3,220127;", "agent: parse, trailing ';'");
	st_parse_bad(";;X3,220127", "agent: parse, ';;'");
	st_parse_bad(";X3,220127X", "agent: parse, 'X' and nothing");
	gs_selftest_check(&st, gs_agent_parse_conds(NULL, &c, NULL) == -1 &&
			  c.n == 0, "agent: parse, NULL");

	/* The size limits. */
	{
		size_t cap = 16 + 2 * (GS_AGENT_MAX_CODE + 1) + 1;
		char *s = malloc(cap);
		if (s) {
			/* GS_AGENT_MAX_CODE bytes: ok; one more: too long */
			int k = snprintf(s, cap, ";X%x,", GS_AGENT_MAX_CODE);
			for (int i = 0; i < GS_AGENT_MAX_CODE; i++)
				memcpy(s + k + 2 * i, i == GS_AGENT_MAX_CODE - 1 ?
				       "27" : "28", 2);
			s[k + 2 * GS_AGENT_MAX_CODE] = 0;
			st_parse_ok(s, 1, "", "agent: parse, longest expression");
			k = snprintf(s, cap, ";X%x,", GS_AGENT_MAX_CODE + 1);
			for (int i = 0; i <= GS_AGENT_MAX_CODE; i++)
				memcpy(s + k + 2 * i, "27", 2);
			s[k + 2 * (GS_AGENT_MAX_CODE + 1)] = 0;
			st_parse_bad(s, "agent: parse, expression too long");
		}
		gs_selftest_check(&st, s != NULL, "agent: parse, malloc");
		free(s);
	}
	{
		char s[16 * (GS_AGENT_MAX_CONDS + 2)];
		size_t k = 0;
		for (int i = 0; i < GS_AGENT_MAX_CONDS; i++)
			k += (size_t)snprintf(s + k, sizeof s - k, ";X3,220%x27", i % 2);
		st_parse_ok(s, GS_AGENT_MAX_CONDS, "", "agent: parse, most conditions");
		snprintf(s + k, sizeof s - k, ";X3,220127");
		st_parse_bad(s, "agent: parse, too many conditions");
	}

	/* Decoded bytes, and the any-true rule. */
	if (gs_agent_parse_conds(";X3,220027X5,2201230027", &c, NULL) == 0) {
		gs_selftest_check(&st, c.n == 2 && c.v[0].len == 3 &&
				  c.v[0].code[0] == 0x22 && c.v[0].code[2] == 0x27 &&
				  c.v[1].len == 5 && c.v[1].code[3] == 0x00,
				  "agent: parse, decoded bytes");
		/* the second: const8 1, const16 0x0027 and no end */
		gs_selftest_check(&st, gs_agent_conds_true(&c, &st_ctx, &err) == 1 &&
				  err == GS_AGENT_ETRUNC,
				  "agent: conds_true, an error reports the stop");
		gs_agent_conds_free(&c);
	} else {
		gs_selftest_check(&st, false, "agent: parse, decoded bytes");
	}
	if (gs_agent_parse_conds(";X3,220027;X3,220027", &c, NULL) == 0) {
		gs_selftest_check(&st, gs_agent_conds_true(&c, &st_ctx, &err) == 0 &&
				  err == 0, "agent: conds_true, all false");
		gs_agent_conds_free(&c);
	}
	if (gs_agent_parse_conds(";X3,220027;X3,220527", &c, NULL) == 0) {
		gs_selftest_check(&st, gs_agent_conds_true(&c, &st_ctx, &err) == 1 &&
				  err == 0, "agent: conds_true, one true");
		gs_agent_conds_free(&c);
	}
	/* What gdb 13 sent (amd64) for "break f if x == 5" and "break f if
	 * g > 100" at one address: two conditions back to back.  The first:
	 * reg 6 (rbp), const8 16, add, const8 0xec, ext 8, add, ref32,
	 * ext 32, const8 5, equal, end; the second: const64 &g, ref32,
	 * ext 32, const8 100, swap, less_signed, end. */
	if (gs_agent_parse_conds(";X12,26000622100222ec16080219162022051327"
				 "X11,25000055555555801419162022642b1427",
				 &c, NULL) == 0) {
		int r1, r2, r3;
		memset(st_memory + 0x1c, 0, 4); /* x at rbp-4 */
		memset(st_global, 0, 4);
		st_memory[0x1c] = 5;
		r1 = gs_agent_conds_true(&c, &st_ctx, &err);
		st_memory[0x1c] = 4;
		st_global[0] = 100;
		r2 = gs_agent_conds_true(&c, &st_ctx, &err);
		st_global[0] = 101;
		r3 = gs_agent_conds_true(&c, &st_ctx, &err);
		gs_selftest_check(&st, c.n == 2 && c.v[0].len == 0x12 &&
				  c.v[1].len == 0x11 && r1 == 1 && r2 == 0 &&
				  r3 == 1 && err == 0,
				  "agent: gdb's Z0 conditions x == 5, g > 100");
		gs_agent_conds_free(&c);
	} else {
		gs_selftest_check(&st, false, "agent: parse gdb's Z0 conditions");
	}
	if (gs_agent_parse_conds("", &c, NULL) == 0)
		gs_selftest_check(&st, gs_agent_conds_true(&c, &st_ctx, &err) == 1,
				  "agent: conds_true, no conditions");
}

int gs_agent_selftest(int *failed)
{
	st.ran = st.failed = 0;
	st_eval_tests();
	st_parse_tests();
	*failed = st.failed;
	return st.ran;
}
