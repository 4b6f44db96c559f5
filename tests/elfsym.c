/*
 * elfsym.c - find a symbol's address in a target's ELF file with libelf.
 *
 * The targets are built -no-pie, so a symbol's st_value is its absolute
 * address in the running process.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

int elf_symbol(const char *path, const char *name, uint64_t *addr,
	       uint64_t *size)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	int found = -1;
	if (elf == NULL)
		goto out;

	/* The full symbol table if there is one, else the dynamic one. */
	for (int pass = 0; pass < 2 && found != 0; pass++) {
		Elf64_Word want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
		Elf_Scn *scn = NULL;
		while (found != 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
			GElf_Shdr shdr;
			if (gelf_getshdr(scn, &shdr) == NULL ||
			    shdr.sh_type != want || shdr.sh_entsize == 0)
				continue;
			Elf_Data *data = elf_getdata(scn, NULL);
			if (data == NULL)
				continue;
			size_t n = shdr.sh_size / shdr.sh_entsize;
			for (size_t i = 0; i < n; i++) {
				GElf_Sym s;
				if (gelf_getsym(data, (int)i, &s) == NULL ||
				    s.st_shndx == SHN_UNDEF)
					continue;
				const char *sname =
					elf_strptr(elf, shdr.sh_link, s.st_name);
				if (sname == NULL || strcmp(sname, name) != 0)
					continue;
				if (addr != NULL)
					*addr = s.st_value;
				if (size != NULL)
					*size = s.st_size;
				found = 0;
				break;
			}
		}
	}
	elf_end(elf);
out:
	close(fd);
	return found;
}

const char *target_path(const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, sizeof bufs[0], "%s/%s", PT_TARGET_DIR, name);
	return b;
}

uint64_t sym(const char *target, const char *name)
{
	uint64_t addr;
	if (elf_symbol(target_path(target), name, &addr, NULL) < 0)
		FAIL("no symbol %s in %s", name, target_path(target));
	return addr;
}

uint64_t sym_size(const char *target, const char *name)
{
	uint64_t size;
	if (elf_symbol(target_path(target), name, NULL, &size) < 0)
		FAIL("no symbol %s in %s", name, target_path(target));
	return size;
}
