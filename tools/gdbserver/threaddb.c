/*
 * threaddb.c - addresses of thread-local variables (qGetTLSAddr) through
 * glibc's libthread_db, as gdbserver finds them.
 *
 * libthread_db knows where the C library keeps each thread's TLS blocks
 * (the thread descriptor, the DTV); it asks its user (us) for what it
 * needs through the proc_service callbacks defined here: memory (the
 * library's pt_mem_read/pt_mem_write), registers (the register API by
 * name), the thread pointer (fs_base) and the addresses of symbols of the
 * C library and the dynamic linker.
 *
 * Symbols are looked up in the ELF files mapped into the process
 * (/proc/PID/maps through pt_process_maps): each file's .dynsym, read
 * from the file with elfutils' libelf, relocated by where its first
 * segment is mapped, then its .symtab (a static program's).  The
 * symbols libthread_db asks for (_thread_db_*, __nptl_version,
 * _rtld_global...) are all dynamic symbols of libc.so.6 and ld.so, so no
 * debug information is needed, and, unlike gdbserver's qSymbol exchange
 * with gdb, the lookup needs no round trip in the middle of a packet and
 * works whatever gdb has loaded.  A file replaced or deleted on disk after
 * it was mapped is not searched.
 *
 * libthread_db is loaded with dlopen on first use, from the search path
 * (`monitor set libthread-db-search-path`); each request makes a fresh
 * thread agent (td_ta_new) and drops it again, so an exec or a newly
 * loaded library needs no bookkeeping.  Only x86-64 programs: the
 * libthread_db a 64-bit server loads describes 64-bit programs.
 */
#include "threaddb.h"

#include <dlfcn.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <fcntl.h>
#include <limits.h>
#include <proc_service.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <thread_db.h>
#include <unistd.h>

#define DEFAULT_PATH "$pdir:$sdir"
#define LIBTHREAD_DB "libthread_db.so.1"

/* What libthread_db hands back to the callbacks. */
struct ps_prochandle {
	pt_process *p;
	pid_t pid;
};

static char *search_path;      /* NULL: DEFAULT_PATH */
static void *lib;              /* the libthread_db loaded, or NULL */
static struct {
	td_err_e (*init)(void);
	td_err_e (*ta_new)(struct ps_prochandle *, td_thragent_t **);
	td_err_e (*ta_delete)(td_thragent_t *);
	td_err_e (*map_lwp2thr)(const td_thragent_t *, lwpid_t,
				td_thrhandle_t *);
	td_err_e (*tls_get_addr)(const td_thrhandle_t *, psaddr_t, size_t,
				 psaddr_t *);
	td_err_e (*tlsbase)(const td_thrhandle_t *, unsigned long,
			    psaddr_t *); /* may be missing (glibc < 2.22) */
} td;

const char *gs_tdb_search_path(void)
{
	return search_path ? search_path : DEFAULT_PATH;
}

static void unload(void)
{
	if (lib)
		dlclose(lib);
	lib = NULL;
	memset(&td, 0, sizeof td);
}

void gs_tdb_set_search_path(const char *path)
{
	free(search_path);
	search_path = path && *path ? strdup(path) : NULL;
	unload();
}

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- symbols of the loaded objects ----------------------------------- */

/* name in the symbol table of type type (SHT_DYNSYM, SHT_SYMTAB) of e:
 * its link-time value. */
static bool table_symbol(Elf *e, Elf64_Word type, const char *name,
			 GElf_Sym *out)
{
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type ||
		    sh.sh_entsize == 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t k = 0; d && k < n; k++) {
			GElf_Sym sym;
			const char *sn;
			if (!gelf_getsym(d, (int)k, &sym) ||
			    sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) == STT_TLS ||
			    !(sn = elf_strptr(e, sh.sh_link, sym.st_name)) ||
			    strcmp(sn, name) != 0)
				continue;
			*out = sym;
			return true;
		}
	}
	return false;
}

/* name in the ELF file path, whose offset 0 is mapped at start: its
 * address in the process.  The dynamic symbols first (libc.so.6 and
 * ld.so export all libthread_db asks for), then the full symbol table (a
 * static program's, where nothing is dynamic). */
static bool elf_symbol(const char *path, uint64_t start, const char *name,
		       uint64_t *addr)
{
	bool found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	size_t nph = 0;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    elf_getphdrnum(e, &nph) != 0)
		goto out;
	/* The load bias: where the first segment's page went. */
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), bias = 0;
	bool have_load = false;
	for (size_t i = 0; i < nph && !have_load; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset / page != 0)
			goto out; /* offset 0 is not its first page */
		bias = start - (ph.p_vaddr & ~(page - 1));
		have_load = true;
	}
	GElf_Sym sym;
	if (have_load && (table_symbol(e, SHT_DYNSYM, name, &sym) ||
			  table_symbol(e, SHT_SYMTAB, name, &sym))) {
		*addr = sym.st_shndx == SHN_ABS ? sym.st_value
						: bias + sym.st_value;
		found = true;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return found;
}

struct sym_query {
	const char *object;  /* basename to match, or NULL: any */
	const char *name;
	uint64_t addr;
};

static int sym_in_map(const pt_map *m, void *arg)
{
	struct sym_query *q = arg;
	if (m->offset != 0 || m->path[0] != '/')
		return 0;
	if (q->object && strcmp(base_name(m->path), q->object) != 0)
		return 0;
	return elf_symbol(m->path, m->start, q->name, &q->addr);
}

/* ---- proc_service: what libthread_db asks of us ----------------------- */

ps_err_e ps_pglobal_lookup(struct ps_prochandle *ph, const char *object,
			   const char *name, psaddr_t *addr)
{
	/* In the object named first, then (as gdb does) in any. */
	struct sym_query q = { object, name, 0 };
	if ((object && pt_process_maps(ph->p, sym_in_map, &q) == 1) ||
	    (q.object = NULL, pt_process_maps(ph->p, sym_in_map, &q) == 1)) {
		*addr = (psaddr_t)(uintptr_t)q.addr;
		return PS_OK;
	}
	return PS_NOSYM;
}

ps_err_e ps_pdread(struct ps_prochandle *ph, psaddr_t addr, void *buf,
		   size_t len)
{
	return pt_mem_read(ph->p, (uint64_t)(uintptr_t)addr, buf, len, NULL) == 0
		       ? PS_OK
		       : PS_ERR;
}

ps_err_e ps_pdwrite(struct ps_prochandle *ph, psaddr_t addr, const void *buf,
		    size_t len)
{
	return pt_mem_write(ph->p, (uint64_t)(uintptr_t)addr, buf, len,
			    NULL) == 0
		       ? PS_OK
		       : PS_ERR;
}

ps_err_e ps_ptread(struct ps_prochandle *ph, psaddr_t addr, void *buf,
		   size_t len)
{
	return ps_pdread(ph, addr, buf, len);
}

ps_err_e ps_ptwrite(struct ps_prochandle *ph, psaddr_t addr, const void *buf,
		    size_t len)
{
	return ps_pdwrite(ph, addr, buf, len);
}

pid_t ps_getpid(struct ps_prochandle *ph)
{
	return ph->pid;
}

#if defined(__x86_64__)
/* struct user_regs_struct (prgregset_t) in order: the library's register
 * names are its field names. */
static const char *const greg_names[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
	"r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
	"eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};
_Static_assert(sizeof greg_names / sizeof greg_names[0] == ELF_NGREG,
	       "prgregset_t is struct user_regs_struct");

static pt_thread *lwp_thread(struct ps_prochandle *ph, lwpid_t lwp)
{
	return pt_process_thread(ph->p, lwp);
}

/* Read the general registers into get, or write those of set that
 * differ (the kernel checks segment values: unchanged ones are left). */
static ps_err_e gregs_xfer(struct ps_prochandle *ph, lwpid_t lwp,
			   elf_greg_t *get, const elf_greg_t *set)
{
	pt_thread *t = lwp_thread(ph, lwp);
	if (!t)
		return PS_BADLID;
	for (size_t i = 0; i < ELF_NGREG; i++) {
		uint64_t v;
		if (pt_thread_reg_get_name(t, greg_names[i], &v) < 0)
			return PS_ERR;
		if (get)
			get[i] = v;
		else if (v != set[i] &&
			 pt_thread_reg_set_name(t, greg_names[i], set[i]) < 0)
			return PS_ERR;
	}
	return PS_OK;
}

ps_err_e ps_lgetregs(struct ps_prochandle *ph, lwpid_t lwp, prgregset_t regs)
{
	return gregs_xfer(ph, lwp, regs, NULL);
}

ps_err_e ps_lsetregs(struct ps_prochandle *ph, lwpid_t lwp,
		     const prgregset_t regs)
{
	return gregs_xfer(ph, lwp, NULL, regs);
}

/* prfpregset_t is the FXSAVE image (struct user_fpregs_struct): built
 * from the x87 and SSE rows of the register table. */
static int vec_reg(pt_thread *t, const char *fmt, int i, void *buf,
		   size_t len, bool set)
{
	char name[16];
	snprintf(name, sizeof name, fmt, i);
	int idx = pt_process_reg_index(pt_thread_process(t), name);
	if (idx < 0)
		return 0; /* not on this CPU: left as it is */
	return set ? pt_thread_reg_write(t, idx, buf, len)
		   : (pt_thread_reg_read(t, idx, buf, len) < 0 ? -1 : 0);
}

/* The FXSAVE fields kept as rows of their own, in this order. */
static const char *const fpctl_names[] = {
	"fctrl", "fstat", "ftag", "fop", "fioff", "fiseg", "fooff", "foseg",
	"mxcsr",
};
enum { FCTRL, FSTAT, FTAG, FOP, FIOFF, FISEG, FOOFF, FOSEG, MXCSR, NFPCTL };

ps_err_e ps_lgetfpregs(struct ps_prochandle *ph, lwpid_t lwp,
		       prfpregset_t *fp)
{
	pt_thread *t = lwp_thread(ph, lwp);
	uint64_t v[NFPCTL];
	if (!t)
		return PS_BADLID;
	for (int i = 0; i < NFPCTL; i++)
		if (pt_thread_reg_get_name(t, fpctl_names[i], &v[i]) < 0)
			return PS_NOFREGS;
	memset(fp, 0, sizeof *fp);
	fp->cwd = (unsigned short)v[FCTRL];
	fp->swd = (unsigned short)v[FSTAT];
	/* FXSAVE keeps the abridged tag: one bit a register, set if not
	 * empty (full tag 3). */
	for (int i = 0; i < 8; i++)
		if (((v[FTAG] >> (2 * i)) & 3) != 3)
			fp->ftw |= (unsigned short)(1u << i);
	fp->fop = (unsigned short)v[FOP];
	fp->rip = (v[FIOFF] & 0xffffffffu) | (v[FISEG] << 32);
	fp->rdp = (v[FOOFF] & 0xffffffffu) | (v[FOSEG] << 32);
	fp->mxcsr = (unsigned)v[MXCSR];
	for (int i = 0; i < 8; i++) {
		unsigned char b[10];
		if (vec_reg(t, "st%d", i, b, sizeof b, false) < 0)
			return PS_NOFREGS;
		memcpy(&fp->st_space[i * 4], b, sizeof b);
	}
	for (int i = 0; i < 16; i++)
		if (vec_reg(t, "xmm%d", i, &fp->xmm_space[i * 4], 16, false) < 0)
			return PS_NOFREGS;
	return PS_OK;
}

ps_err_e ps_lsetfpregs(struct ps_prochandle *ph, lwpid_t lwp,
		       const prfpregset_t *fp)
{
	pt_thread *t = lwp_thread(ph, lwp);
	uint64_t v[NFPCTL] = {
		[FCTRL] = fp->cwd, [FSTAT] = fp->swd, [FOP] = fp->fop,
		[FIOFF] = fp->rip & 0xffffffffu, [FISEG] = fp->rip >> 32,
		[FOOFF] = fp->rdp & 0xffffffffu, [FOSEG] = fp->rdp >> 32,
		[MXCSR] = fp->mxcsr,
	};
	if (!t)
		return PS_BADLID;
	for (int i = 0; i < 8; i++)
		if (!(fp->ftw & (1u << i)))
			v[FTAG] |= 3u << (2 * i);
	for (int i = 0; i < NFPCTL; i++)
		if (pt_thread_reg_set_name(t, fpctl_names[i], v[i]) < 0)
			return PS_ERR;
	for (int i = 0; i < 8; i++) {
		unsigned char b[10];
		memcpy(b, &fp->st_space[i * 4], sizeof b);
		if (vec_reg(t, "st%d", i, b, sizeof b, true) < 0)
			return PS_ERR;
	}
	for (int i = 0; i < 16; i++) {
		unsigned char b[16];
		memcpy(b, &fp->xmm_space[i * 4], sizeof b);
		if (vec_reg(t, "xmm%d", i, b, sizeof b, true) < 0)
			return PS_ERR;
	}
	return PS_OK;
}

/* The thread pointer: idx is FS or GS of <sys/reg.h> (25, 26). */
ps_err_e ps_get_thread_area(struct ps_prochandle *ph, lwpid_t lwp, int idx,
			    psaddr_t *base)
{
	pt_thread *t = lwp_thread(ph, lwp);
	uint64_t v;
	if (!t)
		return PS_BADLID;
	if (idx != 25 && idx != 26)
		return PS_BADADDR;
	if (pt_thread_reg_get_name(t, idx == 25 ? "fs_base" : "gs_base", &v) < 0)
		return PS_ERR;
	*base = (psaddr_t)(uintptr_t)v;
	return PS_OK;
}
#else
#error "threaddb.c: proc_service registers for x86-64 only"
#endif

/* The process runs in all-stop: it is stopped whenever libthread_db is
 * asked anything, so these have nothing to do. */
ps_err_e ps_pstop(struct ps_prochandle *ph)
{
	return PS_OK;
}

ps_err_e ps_pcontinue(struct ps_prochandle *ph)
{
	return PS_OK;
}

ps_err_e ps_lstop(struct ps_prochandle *ph, lwpid_t lwp)
{
	return PS_OK;
}

ps_err_e ps_lcontinue(struct ps_prochandle *ph, lwpid_t lwp)
{
	return PS_OK;
}

/* ---- loading libthread_db -------------------------------------------- */

/* $pdir: the directory of the thread library the program has mapped
 * (libpthread, or, since glibc 2.34, libc itself). */
struct pdir_query {
	char dir[PATH_MAX];
	int rank; /* 2 libpthread, 1 libc, 0 none */
};

static int pdir_map(const pt_map *m, void *arg)
{
	struct pdir_query *q = arg;
	const char *b = base_name(m->path);
	int rank = strncmp(b, "libpthread.so", 13) == 0 ? 2
		   : strncmp(b, "libc.so", 7) == 0	 ? 1
							 : 0;
	if (m->path[0] == '/' && rank > q->rank &&
	    (size_t)(b - m->path) < sizeof q->dir) {
		memcpy(q->dir, m->path, (size_t)(b - m->path - 1));
		q->dir[b - m->path - 1] = 0;
		q->rank = rank;
	}
	return 0;
}

static bool try_load(const char *file)
{
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return false;
	*(void **)&td.init = dlsym(h, "td_init");
	*(void **)&td.ta_new = dlsym(h, "td_ta_new");
	*(void **)&td.ta_delete = dlsym(h, "td_ta_delete");
	*(void **)&td.map_lwp2thr = dlsym(h, "td_ta_map_lwp2thr");
	*(void **)&td.tls_get_addr = dlsym(h, "td_thr_tls_get_addr");
	*(void **)&td.tlsbase = dlsym(h, "td_thr_tlsbase");
	if (!td.init || !td.ta_new || !td.ta_delete || !td.map_lwp2thr ||
	    !td.tls_get_addr || td.init() != TD_OK) {
		dlclose(h);
		memset(&td, 0, sizeof td);
		return false;
	}
	lib = h;
	return true;
}

static const char *td_name(td_err_e e)
{
	static const char *const names[] = {
		"TD_OK", "TD_ERR", "TD_NOTHR", "TD_NOSV", "TD_NOLWP",
		"TD_BADPH", "TD_BADTH", "TD_BADSH", "TD_BADTA", "TD_BADKEY",
		"TD_NOMSG", "TD_NOFPREGS", "TD_NOLIBTHREAD", "TD_NOEVENT",
		"TD_NOCAPAB", "TD_DBERR", "TD_NOAPLIC", "TD_NOTSD",
		"TD_MALLOC", "TD_PARTIALREG", "TD_NOXREGS", "TD_TLSDEFER",
		"TD_VERSION", "TD_NOTLS",
	};
	return (unsigned)e < sizeof names / sizeof names[0] ? names[e]
							     : "unknown error";
}

/* A thread agent for the process (ph): from the libthread_db loaded, or
 * from the first of the search path that loads and takes the program
 * (as gdbserver, an entry whose td_ta_new refuses it is passed over). */
static int new_agent(struct ps_prochandle *ph, td_thragent_t **ta, char *err,
		     size_t errlen)
{
	td_err_e e;
	if (lib) {
		if ((e = td.ta_new(ph, ta)) == TD_OK)
			return 0;
		errf(err, errlen, "td_ta_new: %s", td_name(e));
		return -1;
	}
	errf(err, errlen, "no libthread_db found in %s", gs_tdb_search_path());
	const char *path = gs_tdb_search_path();
	while (*path) {
		const char *sep = strchr(path, ':');
		size_t n = sep ? (size_t)(sep - path) : strlen(path);
		char file[PATH_MAX + 32];
		file[0] = 0;
		if (n == 5 && strncmp(path, "$sdir", 5) == 0) {
			snprintf(file, sizeof file, "%s", LIBTHREAD_DB);
		} else if (n == 5 && strncmp(path, "$pdir", 5) == 0) {
			struct pdir_query q = { "", 0 };
			pt_process_maps(ph->p, pdir_map, &q);
			if (q.rank)
				snprintf(file, sizeof file, "%s/%s", q.dir,
					 LIBTHREAD_DB);
		} else if (n > 0 && n < PATH_MAX) {
			/* A directory, taken literally ("." too). */
			snprintf(file, sizeof file, "%.*s/%s", (int)n, path,
				 LIBTHREAD_DB);
		}
		if (file[0] && try_load(file)) {
			if ((e = td.ta_new(ph, ta)) == TD_OK)
				return 0;
			errf(err, errlen, "%s: td_ta_new: %s", file,
			     td_name(e));
			unload();
		}
		path += n + (sep != NULL);
	}
	return -1;
}

int gs_tdb_tls_address(pt_process *p, pid_t tid, uint64_t offset,
		       uint64_t lm, uint64_t *addr, char *err, size_t errlen)
{
	const char *arch = pt_process_arch(p);
	if (!arch || strcmp(arch, "x86-64") != 0) {
		errf(err, errlen, "thread-local storage of %s programs is not "
			"supported", arch ? arch : "these");
		return -1;
	}
	if (!pt_process_thread(p, tid)) {
		errf(err, errlen, "no thread %d", (int)tid);
		return -1;
	}
	struct ps_prochandle ph = { p, pt_process_pid(p) };
	td_thragent_t *ta = NULL;
	td_thrhandle_t th;
	psaddr_t a = NULL;
	if (new_agent(&ph, &ta, err, errlen) < 0)
		return -1;
	td_err_e e = td.map_lwp2thr(ta, tid, &th);
	if (e == TD_OK && lm == 0) {
		/* No link map (a static program): the program's own block,
		 * module 1, as gdbserver does. */
		e = td.tlsbase ? td.tlsbase(&th, 1, &a) : TD_NOCAPAB;
		if (e == TD_OK)
			a = (char *)a + offset;
	} else if (e == TD_OK) {
		e = td.tls_get_addr(&th, (psaddr_t)(uintptr_t)lm, (size_t)offset,
				    &a);
	}
	td.ta_delete(ta);
	if (e != TD_OK) {
		errf(err, errlen, "thread %d: %s", (int)tid, td_name(e));
		return -1;
	}
	*addr = (uint64_t)(uintptr_t)a;
	return 0;
}
