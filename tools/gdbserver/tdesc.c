/*
 * tdesc.c - the target description (target.xml) and the register layout
 * of g/G packets, both built from the library's register table.
 *
 * Each row of pt_process_reg_info becomes a <reg> with regnum = its gdb
 * number, so the numbers in p/P packets, in expedited registers of stop
 * replies and the order of the g packet are gdb's.  The x86-64 table keeps
 * eflags and the segment selectors in 8 bytes; gdb's amd64 description has
 * them as 4-byte registers, and so does the wire here (the high halves are
 * zero).  Feature names are the ones gdb's i386/amd64 code looks for.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const feature_names[] = {
	[PT_REGSET_GENERAL] = "org.gnu.gdb.i386.core",
	[PT_REGSET_X87] = "org.gnu.gdb.i386.core",
	[PT_REGSET_SSE] = "org.gnu.gdb.i386.sse",
	[PT_REGSET_AVX] = "org.gnu.gdb.i386.avx",
	[PT_REGSET_AVX512] = "org.gnu.gdb.i386.avx512",
	[PT_REGSET_SYSTEM] = "org.gnu.gdb.i386.linux",
};

static bool is_x86_64(pt_process *p)
{
	const char *a = pt_process_arch(p);
	return a && strcmp(a, "x86-64") == 0;
}

static unsigned wire_size(pt_process *p, const pt_reg_info *r)
{
	static const char *const narrow[] = { "eflags", "cs", "ss", "ds",
					      "es",     "fs", "gs" };
	if (r->set != PT_REGSET_GENERAL || r->size != 8 || !is_x86_64(p))
		return r->size;
	for (size_t i = 0; i < sizeof narrow / sizeof *narrow; i++)
		if (strcmp(r->name, narrow[i]) == 0)
			return 4;
	return r->size;
}

static int cmp_regnum(const void *a, const void *b)
{
	const struct gs_reg *x = a, *y = b;
	return (x->regnum > y->regnum) - (x->regnum < y->regnum);
}

int gs_regs_build(pt_process *p, struct gs_regs *out)
{
	int n = pt_process_reg_count(p);
	free(out->reg);
	*out = (struct gs_regs){ 0 };
	if (n <= 0)
		return -1;
	out->reg = calloc((size_t)n, sizeof *out->reg);
	if (!out->reg)
		return -1;
	int next = 0;
	for (int i = 0; i < n; i++) {
		const pt_reg_info *r = pt_process_reg_info(p, i);
		if (r && r->gdb_regnum >= next)
			next = r->gdb_regnum + 1;
	}
	for (int i = 0; i < n; i++) {
		const pt_reg_info *r = pt_process_reg_info(p, i);
		if (!r)
			continue;
		struct gs_reg *g = &out->reg[out->count++];
		g->index = i;
		g->info = r;
		g->regnum = r->gdb_regnum >= 0 ? r->gdb_regnum : next++;
		g->wire = wire_size(p, r);
	}
	qsort(out->reg, out->count, sizeof *out->reg, cmp_regnum);
	size_t off = 0;
	for (size_t i = 0; i < out->count; i++) {
		out->reg[i].offset = off;
		off += out->reg[i].wire;
	}
	out->g_size = off;
	out->x86_64 = is_x86_64(p);
	return 0;
}

const struct gs_reg *gs_regs_find(const struct gs_regs *rs, int regnum)
{
	for (size_t i = 0; i < rs->count; i++)
		if (rs->reg[i].regnum == regnum)
			return &rs->reg[i];
	return NULL;
}

const struct gs_reg *gs_regs_role(const struct gs_regs *rs, pt_reg_role role)
{
	for (size_t i = 0; i < rs->count; i++)
		if (rs->reg[i].info->role == role)
			return &rs->reg[i];
	return NULL;
}

static const char *reg_type(const struct gs_reg *g)
{
	const pt_reg_info *r = g->info;
	const char *n = r->name;
	switch (r->role) {
	case PT_ROLE_PC:
		return "code_ptr";
	case PT_ROLE_SP:
	case PT_ROLE_FP:
		return "data_ptr";
	case PT_ROLE_FLAGS:
		return "i386_eflags";
	default:
		break;
	}
	if (r->type == PT_REGTYPE_FLOAT80)
		return "i387_ext";
	if (strcmp(n, "mxcsr") == 0)
		return "i386_mxcsr";
	if (r->type == PT_REGTYPE_VECTOR) {
		if (strncmp(n, "xmm", 3) == 0)
			return "vec128";
		if (g->wire == 16)
			return "uint128";
		if (g->wire == 32)
			return "v2ui128";
		return "uint128";
	}
	if (r->type == PT_REGTYPE_ADDR)
		return "data_ptr";
	switch (g->wire) {
	case 1:
		return "uint8";
	case 2:
		return "uint16";
	case 4:
		return "int32";
	default:
		return g->wire == 8 && r->set == PT_REGSET_GENERAL ? "int64"
								    : "uint64";
	}
}

static const char *reg_group(const pt_reg_info *r)
{
	switch (r->set) {
	case PT_REGSET_X87:
		return "float";
	case PT_REGSET_SSE:
	case PT_REGSET_AVX:
	case PT_REGSET_AVX512:
		return "vector";
	case PT_REGSET_SYSTEM:
		return "system";
	default:
		return NULL;
	}
}

static const char *lldb_generic(const pt_reg_info *r)
{
	switch (r->role) {
	case PT_ROLE_PC:
		return "pc";
	case PT_ROLE_SP:
		return "sp";
	case PT_ROLE_FP:
		return "fp";
	case PT_ROLE_FLAGS:
		return "flags";
	default:
		return NULL;
	}
}

/* The types gdb's stock i386 features define, re-declared here. */
static void emit_types(struct gs_out *o)
{
	gs_out_str(o,
		   "<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/>"
		   "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
		   "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
		   "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
		   "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
		   "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
		   "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
		   "<union id=\"vec128\">"
		   "<field name=\"v8_bfloat16\" type=\"v8bf16\"/>"
		   "<field name=\"v4_float\" type=\"v4f\"/>"
		   "<field name=\"v2_double\" type=\"v2d\"/>"
		   "<field name=\"v16_int8\" type=\"v16i8\"/>"
		   "<field name=\"v8_int16\" type=\"v8i16\"/>"
		   "<field name=\"v4_int32\" type=\"v4i32\"/>"
		   "<field name=\"v2_int64\" type=\"v2i64\"/>"
		   "<field name=\"uint128\" type=\"uint128\"/>"
		   "</union>"
		   "<vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>");
	static const char *const eflags[] = {
		"CF", "", "PF", "AF", "ZF", "SF", "TF", "IF", "DF", "OF",
		"NT", "RF", "VM", "AC", "VIF", "VIP", "ID" };
	static const int eflag_bit[] = { 0, 1, 2, 4, 6, 7, 8, 9, 10, 11,
					 14, 16, 17, 18, 19, 20, 21 };
	gs_out_str(o, "<flags id=\"i386_eflags\" size=\"4\">");
	for (size_t i = 0; i < sizeof eflags / sizeof eflags[0]; i++)
		gs_out_fmt(o, "<field name=\"%s\" start=\"%d\" end=\"%d\"/>",
			   eflags[i], eflag_bit[i], eflag_bit[i]);
	gs_out_str(o, "</flags>");
	static const char *const mxcsr[] = { "IE", "DE", "ZE", "OE", "UE",
					     "PE", "DAZ", "IM", "DM", "ZM",
					     "OM", "UM", "PM", "FZ" };
	gs_out_str(o, "<flags id=\"i386_mxcsr\" size=\"4\">");
	for (int i = 0; i < 14; i++)
		gs_out_fmt(o, "<field name=\"%s\" start=\"%d\" end=\"%d\"/>",
			   mxcsr[i], i + (i == 13 ? 1 : 0),
			   i + (i == 13 ? 1 : 0));
	gs_out_str(o, "</flags>");
}

void gs_tdesc_build(const struct gs_regs *rs, bool lldb, struct gs_out *o)
{
	gs_out_reset(o);
	gs_out_str(o, "<?xml version=\"1.0\"?>\n"
		      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>");
	gs_out_fmt(o, "<architecture>%s</architecture>",
		   rs->x86_64 ? "i386:x86-64" : "i386");
	gs_out_str(o, "<osabi>GNU/Linux</osabi>");
	/* Rows grouped by feature in regnum order; a feature's rows may come
	 * back after another's (x87 after the general registers are both
	 * i386.core), so each feature is written once, with all its rows. */
	const char *done[8] = { 0 };
	size_t ndone = 0;
	for (size_t i = 0; i < rs->count; i++) {
		unsigned set = rs->reg[i].info->set;
		const char *feat = set < sizeof feature_names / sizeof *feature_names
					   ? feature_names[set]
					   : "org.proctrace.other";
		if (!feat)
			feat = "org.proctrace.other";
		/* fs_base and gs_base live in i386.segments in gdb. */
		const char *n = rs->reg[i].info->name;
		if (strcmp(n, "fs_base") == 0 || strcmp(n, "gs_base") == 0)
			feat = "org.gnu.gdb.i386.segments";
		bool seen = false;
		for (size_t k = 0; k < ndone; k++)
			if (strcmp(done[k], feat) == 0)
				seen = true;
		if (seen || ndone == sizeof done / sizeof *done)
			continue;
		done[ndone++] = feat;
		gs_out_fmt(o, "<feature name=\"%s\">", feat);
		emit_types(o); /* types are scoped to their feature */
		for (size_t j = i; j < rs->count; j++) {
			const struct gs_reg *g = &rs->reg[j];
			unsigned s2 = g->info->set;
			const char *f2 = s2 < sizeof feature_names / sizeof *feature_names &&
						 feature_names[s2]
					       ? feature_names[s2]
					       : "org.proctrace.other";
			if (strcmp(g->info->name, "fs_base") == 0 ||
			    strcmp(g->info->name, "gs_base") == 0)
				f2 = "org.gnu.gdb.i386.segments";
			if (strcmp(f2, feat) != 0)
				continue;
			gs_out_fmt(o,
				   "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" "
				   "regnum=\"%d\"",
				   g->info->name, g->wire * 8, reg_type(g),
				   g->regnum);
			const char *grp = reg_group(g->info);
			if (grp)
				gs_out_fmt(o, " group=\"%s\"", grp);
			const char *gen = lldb ? lldb_generic(g->info) : NULL;
			if (gen)
				gs_out_fmt(o, " generic=\"%s\"", gen);
			gs_out_str(o, "/>");
		}
		gs_out_str(o, "</feature>");
	}
	gs_out_str(o, "</target>\n");
}
