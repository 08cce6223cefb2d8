// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: layouts, what boot sets up. From a file, one range a line:
 *
 *	# kind   gpa          size   [options]
 *	vtl0     0x100000000  512M   node=0
 *	vtl0     0x120000000  256M   accepted
 *	vtl0     0x130000000  128M   lazy
 *	shared   0x138000000  64M
 *	vtl2     auto
 *
 * or from flags: --vtl0 GPA,SIZE[,OPTION...], --shared ..., --vtl2 auto.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

const char *const lkind_names[] = { "vtl0", "shared", "vtl2" };

static void __attribute__((noreturn, format(printf, 2, 3)))
layout_error(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cvm-vtlmemctl: %s: ", where);
	vfprintf(stderr, fmt, ap);
	fputs("\n(cvm-vtlmemctl --help describes the layout format)\n", stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* Parse one layout entry from its words; @where names it in messages. */
static void layout_add(struct layout *l, char **w, int nw, const char *where)
{
	struct lrange *r;
	int i;

	if (l->n == MAX_LAYOUT)
		layout_error(where, "more than %d ranges", MAX_LAYOUT);
	r = &l->r[l->n];
	memset(r, 0, sizeof(*r));
	r->node = CVM_VTLMEM_NO_NODE;
	snprintf(r->where, sizeof(r->where), "%s", where);
	for (i = 0; i < (int)ARRAY_SIZE(lkind_names); i++)
		if (!strcmp(w[0], lkind_names[i]))
			break;
	if (i == (int)ARRAY_SIZE(lkind_names))
		layout_error(where, "unknown kind '%s' (vtl0, shared or vtl2)", w[0]);
	r->kind = i;
	if (r->kind == L_VTL2 && nw == 2 && !strcmp(w[1], "auto")) {
		l->n++;
		return;
	}
	if (nw < 3)
		layout_error(where, "%s needs a GPA and a size%s", w[0],
			     r->kind == L_VTL2 ? " (or 'auto')" : "");
	if (parse_u64(w[1], &r->gpa))
		layout_error(where, "'%s' is not an address", w[1]);
	if (parse_u64(w[2], &r->len) || !r->len)
		layout_error(where, "'%s' is not a size", w[2]);
	if (r->gpa % SZ_4K || r->len % SZ_4K)
		layout_error(where, "the GPA and the size must be 4 KiB aligned");
	if (r->gpa + r->len < r->gpa)
		layout_error(where, "the range wraps");
	for (i = 3; i < nw; i++) {
		if (r->kind == L_VTL2)
			layout_error(where, "vtl2 takes no options ('%s')", w[i]);
		if (!strncmp(w[i], "node=", 5))
			r->node = parse_node(w[i] + 5);
		else if (!strcmp(w[i], "accepted"))
			r->accepted = true;
		else if (!strcmp(w[i], "lazy") && r->kind == L_VTL0)
			r->lazy = true;
		else if (!strcmp(w[i], "struct-pages"))
			r->struct_pages = true;
		else
			layout_error(where, "unknown option '%s' for %s (node=N, accepted%s, "
				     "struct-pages)", w[i], w[0],
				     r->kind == L_VTL0 ? ", lazy" : "");
	}
	if (r->lazy && r->accepted)
		layout_error(where, "a range is either accepted by the boot loader or lazy");
	for (i = 0; i < l->n; i++) {
		const struct lrange *o = &l->r[i];

		if (o->len && r->gpa < o->gpa + o->len && o->gpa < r->gpa + r->len)
			layout_error(where, "overlaps %s", o->where);
	}
	l->n++;
}

void layout_read(struct layout *l, const char *path)
{
	char line[512], where[80];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "cvm-vtlmemctl: %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	while (fgets(line, sizeof(line), f)) {
		char *w[16], *save = NULL, *tok, *hash = strchr(line, '#');
		int nw = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			snprintf(where, sizeof(where), "%s:%d", path, lineno);
			if (nw == (int)ARRAY_SIZE(w))
				layout_error(where, "too many words");
			w[nw++] = tok;
		}
		if (nw)
			layout_add(l, w, nw, where);
	}
	fclose(f);
}

/* --vtl0 GPA,SIZE[,OPT...] and friends: the words of a layout line. */
void layout_flag(struct layout *l, const char *kind, const char *val)
{
	char *copy = strdup(val), *w[16], *save = NULL, *tok, where[80];
	int nw = 1;

	snprintf(where, sizeof(where), "--%s %s", kind, val);
	w[0] = (char *)kind;
	for (tok = strtok_r(copy, ",", &save); tok && nw < 16; tok = strtok_r(NULL, ",", &save))
		w[nw++] = tok;
	layout_add(l, w, nw, where);
	/* The words live on in nothing but the parsed entry: free them. */
	free(copy);
}
