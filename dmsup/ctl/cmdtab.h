/*
 * The commands of dmctl and of the control protocol, one table for both
 * (tmux's cmd_entry is the model): dmctl parses its command line, prints
 * usage and help and lists its commands from it; dmsup checks a request's
 * command and required fields against it before the handler in
 * commands.c runs. docs/dmctl.8 and docs/control-protocol.md describe
 * the same entries (tests/local/dmsup/test-docs.c checks that).
 */
#ifndef DMSUP_CTL_CMDTAB_H
#define DMSUP_CTL_CMDTAB_H

#include <stddef.h>

struct json_object;

/* One per entry of cmdtab[]: dmctl's hooks and dmsup's handlers are
 * arrays indexed by it. */
enum cmdtab_id {
	CMD_START,
	CMD_PLAN,
	CMD_STOP,
	CMD_STATUS,
	CMD_WATCH,
	CMD_LIST,
	CMD_LOG,
	CMD_QMP,
	CMD_SET,
	CMD_UNDEFINE,
	CMD_NIC_ATTACH,
	CMD_NIC_DETACH,
	CMD_PCI_ATTACH,
	CMD_PCI_DETACH,
	CMD_CD_INSERT,
	CMD_CD_EJECT,
	CMD_SAVE,
	CMD_RESUME,
	CMD_ADOPT,
	CMD_IMPORT_XL,
	CMD_DEFINE,
	CMD_HELP,
	CMD_HELLO,
	CMDTAB_N
};

/* What an argument's text becomes in the request. */
enum cmdtab_type {
	CMDTAB_STRING,	/* a string */
	CMDTAB_INT,	/* an integer, from decimal text */
	CMDTAB_OBJECT,	/* a JSON object, from JSON text */
	CMDTAB_STRINGS, /* an array: this and every later positional */
	CMDTAB_FLAG,	/* an option without a value: true */
	/* FIRST[,KEY=VALUE]...: FIRST into .field, each KEY (one of
	 * .keys) into the field of that name. */
	CMDTAB_SPEC,
	/* A file (a slash in it, or it exists): its JSON object into
	 * .field; anything else: a domain's name into "domain". */
	CMDTAB_FILE_OR_DOMAIN,
	CMDTAB_INTS, /* an array of integers (wire only: hello) */
	/* A file's path, a string: dmctl makes a relative one absolute
	 * from its own directory (no symlink resolved: dmsup checks). */
	CMDTAB_PATH,
	CMDTAB_TYPES
};

/* cmdtab_arg.flags */
enum {
	CMDTAB_REQUIRED = 1 << 0, /* dmctl and dmsup both insist on it */
	CMDTAB_LOCAL = 1 << 1,	  /* dmctl's own: never sent */
	/* Given, it stands for the command's required positional (start
	 * --xl FILE instead of CONFIG-FILE|DOMAIN). */
	CMDTAB_INSTEAD = 1 << 2,
};

struct cmdtab_arg {
	const char *field; /* its name in the request; NULL ends the list */
	enum cmdtab_type type;
	unsigned flags;
	char opt;	     /* an option's letter; 0 for a positional */
	const char *longopt; /* an option's long name */
	const char *metavar; /* its value in usage lines: DOMAIN, N */
	const char *help;    /* a few words for `dmctl help CMD` */
	/* CMDTAB_REQUIRED: what dmsup says without it, after the name. */
	const char *missing;
	const char *const *keys; /* CMDTAB_SPEC: the KEYs, NULL-ended */
};

/* cmdtab.where */
enum {
	CMDTAB_CLI = 1 << 0,  /* a dmctl command, listed and in dmctl(8) */
	CMDTAB_WIRE = 1 << 1, /* a request dmsup answers */
};

#define CMDTAB_ARGS_MAX 5 /* four and the end */

struct cmdtab {
	const char *name;
	unsigned where;
	const char *summary; /* one line, for the list of commands */
	const char *help;    /* one paragraph, for `dmctl help CMD` */
	/* Options, then positionals, in usage order. A required "domain"
	 * is what makes a command need a domain. */
	struct cmdtab_arg args[CMDTAB_ARGS_MAX];
};

extern const struct cmdtab cmdtab[CMDTAB_N];

/* The entry called @name that exists @where (CMDTAB_CLI, _WIRE), or NULL. */
const struct cmdtab *cmdtab_find(const char *name, unsigned where);
/* The option @opt of @e, or NULL. */
const struct cmdtab_arg *cmdtab_option(const struct cmdtab *e, int opt);
/* "NAME ARGS" as in a usage line, e.g. "log [-f] [-n N] DOMAIN";
 * truncated to @len. Returns @buf. */
char *cmdtab_usage(const struct cmdtab *e, char *buf, size_t len);
/* @a's metavar as usage shows it ("MODEL[,mac=MAC][,id=ID]"). */
char *cmdtab_metavar(const struct cmdtab_arg *a, char *buf, size_t len);
/* The first required field that @req lacks (or has empty or of another
 * type), or NULL: dmsup then answers "<name> <missing>". */
const struct cmdtab_arg *cmdtab_missing(const struct cmdtab *e,
					struct json_object *req);
/* The first field of @req that @e (or every request: cmd, domain) types
 * and that has another type, or NULL; *@want_r: what it must be ("an
 * integer"). */
const char *cmdtab_mistyped(const struct cmdtab *e, struct json_object *req,
			    const char **want_r);

#endif
