// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: messages, numbers and sizes, command-line options.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("cvm-vtlmemctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n(cvm-vtlmemctl --help for usage)\n", stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* Print an error; returns EXIT_FAIL so that callers can "return error(...)". */
int __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("cvm-vtlmemctl: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

/*
 * A number: decimal or 0x hex, with an optional K, M, G or T suffix (powers
 * of 1024; "KiB", "MB" and friends are accepted too). Returns 0 or -1.
 */
int parse_u64(const char *s, u64 *out)
{
	char *end;
	u64 v, mul = 1;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = KIB;
		break;
	case 'M':
		mul = MIB;
		break;
	case 'G':
		mul = GIB;
		break;
	case 'T':
		mul = TIB;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (mul != 1) {
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "ib") ||
		    !strcmp(end, "b"))
			end += strlen(end);
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

u64 arg_u64(const char *what, const char *s)
{
	u64 v;

	if (parse_u64(s, &v))
		usage_error("%s: '%s' is not a number (decimal or 0x hex, K/M/G/T suffixes)",
			    what, s ? s : "");
	return v;
}

/* "512 MiB", "1 GiB", "1.5 GiB", "12 KiB", "100 bytes". */
const char *fmt_size(char *buf, size_t len, u64 bytes)
{
	static const struct { u64 unit; const char *name; } units[] = {
		{ TIB, "TiB" }, { GIB, "GiB" }, { MIB, "MiB" }, { KIB, "KiB" },
	};
	unsigned int i;

	if (!bytes) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (bytes < units[i].unit)
			continue;
		if (bytes % units[i].unit == 0)
			snprintf(buf, len, "%llu %s", bytes / units[i].unit, units[i].name);
		else
			snprintf(buf, len, "%.2f %s", (double)bytes / units[i].unit,
				 units[i].name);
		return buf;
	}
	snprintf(buf, len, "%llu bytes", bytes);
	return buf;
}

/*
 * Split @argv into options (@opts) and positionals (returned, in order).
 * Unknown options are usage errors.
 */
int parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, char **pos,
	       int max_pos)
{
	int i, npos = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		struct opt *o;
		size_t len;

		if (strncmp(a, "--", 2) || !a[2]) {
			if (npos == max_pos)
				usage_error("%s: unexpected argument '%s'", cmd, a);
			pos[npos++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, a + 2, len))
				break;
		if (!o || !o->name)
			usage_error("%s: unknown option '%s'", cmd, a);
		if (o->has_arg) {
			if (eq)
				o->val = eq + 1;
			else if (i + 1 < argc)
				o->val = argv[++i];
			else
				usage_error("%s: --%s needs a value", cmd, o->name);
		} else if (eq) {
			usage_error("%s: --%s takes no value", cmd, o->name);
		}
		o->seen = true;
	}
	return npos;
}

int parse_node(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < -1 || v > 1023)
		usage_error("node: '%s' is not a NUMA node (0..1023, -1 for any)", s);
	return (int)v;
}
