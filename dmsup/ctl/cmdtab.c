/*
 * The table of commands (cmdtab.h): one entry per command of dmctl or of
 * the control protocol, and the few functions that read it. The help
 * texts are the short form of docs/dmctl.8.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/cmdtab.h"

#define ARG_DOMAIN                                                             \
	{                                                                      \
		.field = "domain", .type = CMDTAB_STRING,                      \
		.flags = CMDTAB_REQUIRED, .metavar = "DOMAIN",                 \
		.help = "the domain, by name or domid",                        \
		.missing = "needs a domain",                                   \
	}
#define ARG_SOME_DOMAIN                                                        \
	{                                                                      \
		.field = "domain", .type = CMDTAB_STRING, .metavar = "DOMAIN", \
		.help = "one domain (default: all of them)",                   \
	}

/* An xl.cfg file's device model (dmctl/xlcfg.c) as the config. */
#define ARG_XL                                                                 \
	{                                                                      \
		.field = "xl", .type = CMDTAB_STRING,                          \
		.flags = CMDTAB_LOCAL | CMDTAB_INSTEAD, .longopt = "xl",       \
		.metavar = "XL-FILE",                                          \
		.help = "an xl.cfg file instead (see import-xl)",              \
	}
#define ARG_XL_DOMID                                                           \
	{                                                                      \
		.field = "domid", .type = CMDTAB_INT, .flags = CMDTAB_LOCAL,   \
		.longopt = "domid", .metavar = "DOMID",                        \
		.help = "the guest's domid, for an xl.cfg file",               \
	}

#define ARG_VDEV                                                               \
	{                                                                      \
		.field = "vdev", .type = CMDTAB_STRING,                        \
		.flags = CMDTAB_REQUIRED, .metavar = "VDEV",                   \
		.help = "the CD-ROM drive's vdev, e.g. hdc",                   \
		.missing = "needs the drive's vdev, e.g. hdc",                 \
	}

static const char *const nic_keys[] = {"mac", "id", NULL};

const struct cmdtab cmdtab[CMDTAB_N] = {
    [CMD_START] =
	{"start",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "start; wait until ready or failed",
	 "Defines the domain from CONFIG-FILE (dmsup-config(5); an argument "
	 "with a slash or naming an existing file is a file) or takes an "
	 "already defined DOMAIN, starts its device model and waits until it "
	 "is ready or has failed. A failure names the domain and the step "
	 "that failed (config, xen, xenstore, memory, spawn, qmp, stub, "
	 "start). --domid DOMID binds the definition to that live domain "
	 "(a definition holds no domid: only a running device model does, "
	 "and a definition without one needs --domid). --xl XL-FILE takes "
	 "the place of CONFIG-FILE|DOMAIN: the domain is defined from an "
	 "xl.cfg file as import-xl does, then started. --restore FILE "
	 "(dom0 kind) loads the device state of a save file instead of "
	 "booting: ready once QEMU reports the load completed; --restore - "
	 "reads the save file from stdin (a pipe, socket or file).",
	 {ARG_XL,
	  {.field = "restore",
	   .type = CMDTAB_PATH,
	   .longopt = "restore",
	   .metavar = "FILE",
	   .help = "load this save file (-: stdin)"},
	  {.field = "domid",
	   .type = CMDTAB_INT,
	   .longopt = "domid",
	   .metavar = "DOMID",
	   .help = "bind it to this live domain"},
	  {.field = "config",
	   .type = CMDTAB_FILE_OR_DOMAIN,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "CONFIG-FILE|DOMAIN",
	   .help = "a configuration file, or a defined domain",
	   .missing = "needs a domain or a config"}}},
    [CMD_PLAN] =
	{"plan",
	 CMDTAB_CLI,
	 "the pages the device model will populate",
	 "Prints the memory plan of CONFIG-FILE without asking dmsup: every "
	 "page QEMU will populate in the guest (videoram, VGA BIOS, option "
	 "ROMs), the total, the shadow memory and balloon rules and their "
	 "warnings or refusals; with --json as a JSON object. Exits 1 if the "
	 "plan refuses the configuration. --xl XL-FILE plans the device "
	 "model of an xl.cfg file instead (as import-xl reads it). --restore "
	 "FILE plans a start --restore from that save file: the file is "
	 "checked as start checks it, and the plan has no videoram or ROM "
	 "pages (QEMU loads them with the state).",
	 {ARG_XL,
	  {.field = "restore",
	   .type = CMDTAB_PATH,
	   .flags = CMDTAB_LOCAL,
	   .longopt = "restore",
	   .metavar = "FILE",
	   .help = "plan a restore from this save file"},
	  {.field = "file",
	   .type = CMDTAB_STRING,
	   .flags = CMDTAB_REQUIRED | CMDTAB_LOCAL,
	   .metavar = "CONFIG-FILE",
	   .help = "a configuration file (dmsup-config(5))"}}},
    [CMD_STOP] = {"stop",
		  CMDTAB_CLI | CMDTAB_WIRE,
		  "stop: QMP quit, SIGTERM, SIGKILL",
		  "Stops the device model (QMP quit, SIGTERM, SIGKILL) and "
		  "waits until it is gone; also cancels a pending restart "
		  "of a crashed domain.",
		  {ARG_DOMAIN}},
    [CMD_STATUS] =
	{"status",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "show state (and follow changes)",
	 "Shows the state of one domain (domid, kind, state, pid, uptime, "
	 "spawns, how it last ended, error and step, QMP socket, log, the "
	 "log's tail after a crash), or a table of all. With --watch, then "
	 "prints a line per state change and each runtime page request "
	 "until interrupted.",
	 {{.field = "watch",
	   .type = CMDTAB_FLAG,
	   .flags = CMDTAB_LOCAL,
	   .longopt = "watch",
	   .help = "then follow the state changes"},
	  ARG_SOME_DOMAIN}},
    [CMD_WATCH] = {"watch",
		   CMDTAB_WIRE,
		   "status, then every state change",
		   "Answers like status, then sends an event per state "
		   "change and runtime page request of the domain (or of "
		   "all) until the client closes.",
		   {ARG_SOME_DOMAIN}},
    [CMD_LIST] = {"list",
		  CMDTAB_CLI,
		  "list every domain",
		  "A table of every domain: name, domid, state, pid, "
		  "spawns and how it last ended.",
		  {{0}}},
    [CMD_LOG] =
	{"log",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "show (and follow) the device model log",
	 "Prints the last N lines (default 20) of the device model's log; "
	 "with -f then follows it, across rotations, with a line for each "
	 "state change of the domain, until interrupted.",
	 {{.field = "follow",
	   .type = CMDTAB_FLAG,
	   .flags = CMDTAB_LOCAL,
	   .opt = 'f',
	   .longopt = "follow",
	   .help = "then follow it"},
	  {.field = "lines",
	   .type = CMDTAB_INT,
	   .opt = 'n',
	   .longopt = "lines",
	   .metavar = "N",
	   .help = "how many lines (default 20)"},
	  ARG_DOMAIN}},
    [CMD_QMP] = {"qmp",
		 CMDTAB_CLI | CMDTAB_WIRE,
		 "run a QMP command",
		 "Runs a QMP command on the device model and prints its return "
		 "value. A stubdom-linux QEMU is reached over vchan; a "
		 "stubdom-minios device model has no QMP.",
		 {ARG_DOMAIN,
		  {.field = "command",
		   .type = CMDTAB_STRING,
		   .flags = CMDTAB_REQUIRED,
		   .metavar = "COMMAND",
		   .help = "the QMP command, e.g. query-status",
		   .missing = "needs a command"},
		  {.field = "arguments",
		   .type = CMDTAB_OBJECT,
		   .metavar = "ARGS-JSON",
		   .help = "its arguments, a JSON object"}}},
    [CMD_SET] =
	{"set",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "change the config for the next start",
	 "Changes fields of the domain's configuration, all or none; the "
	 "change is saved and applies at the next start. The value is JSON "
	 "for numbers, booleans and lists (memory=256, xen=false, "
	 "extra_args=[\"-S\"]) and plain text for strings (vga=cirrus).",
	 {ARG_DOMAIN,
	  {.field = "set",
	   .type = CMDTAB_STRINGS,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "KEY=VALUE",
	   .help = "a field of dmsup-config(5) and its new value",
	   .missing = "needs key=value assignments"}}},
    [CMD_UNDEFINE] = {"undefine",
		      CMDTAB_CLI | CMDTAB_WIRE,
		      "forget a stopped domain",
		      "Forgets a domain that is not running and removes its "
		      "configuration.",
		      {ARG_DOMAIN}},
    [CMD_NIC_ATTACH] =
	{"nic-attach",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "hotplug a NIC (asks the toolstack for its pages)",
	 "Hotplugs an emulated NIC of MODEL into the running device model "
	 "(QMP device_add, no network backend), with the MAC address "
	 "(like 52:54:00:12:34:56) and the ID (a lowercase letter, then "
	 "a-z 0-9 . _ -, at most 24; default hotnic0, hotnic1, ...) given. "
	 "With xen=true dmsup first asks the toolstack for the pages of its "
	 "option ROM and fails at step memory on a refusal, no answer or no "
	 "room. Prints the NIC's id, device and pages.",
	 {ARG_DOMAIN,
	  {.field = "model",
	   .type = CMDTAB_SPEC,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "MODEL",
	   .help = "e1000, rtl8139, virtio-net, ... (dmsup-config(5))",
	   .missing = "needs a NIC model",
	   .keys = nic_keys}}},
    [CMD_NIC_DETACH] = {"nic-detach",
			CMDTAB_CLI | CMDTAB_WIRE,
			"hot-unplug a NIC",
			"Asks QEMU to remove the NIC (QMP device_del); the "
			"device goes once the guest's OS has released it.",
			{ARG_DOMAIN,
			 {.field = "id",
			  .type = CMDTAB_STRING,
			  .flags = CMDTAB_REQUIRED,
			  .metavar = "ID",
			  .help = "the NIC's id, as nic-attach printed it",
			  .missing = "needs the NIC's id"}}},
    [CMD_PCI_ATTACH] =
	{"pci-attach",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "hotplug a PCI device",
	 "Hotplugs the host PCI device BDF, already assignable (bound to "
	 "pciback and assigned by the toolstack; checked first with "
	 "xen=true), into the running domain "
	 "and prints the virtual slot it got. QMP kinds take the options "
	 "vslot=N (hex) and permissive=0|1; stubdom-minios passes them to "
	 "qemu-traditional.",
	 {ARG_DOMAIN,
	  {.field = "bdf",
	   .type = CMDTAB_STRING,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "BDF[,OPTIONS]",
	   .help = "0000:03:00.0 or 03:00.0, options after commas",
	   .missing = "needs a PCI address like 0000:03:00.0"}}},
    [CMD_PCI_DETACH] =
	{"pci-detach",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "unplug a PCI device",
	 "Unplugs the PCI device BDF (QMP device_del, or the handshake's "
	 "pci-rem) and says done once it is gone: on the QMP kinds when QEMU "
	 "sent DEVICE_DELETED for it, which is once the guest released it; "
	 "a guest that does not within the wait fails at step wait, the "
	 "device still attached.",
	 {{.field = "wait",
	   .type = CMDTAB_INT,
	   .opt = 'w',
	   .longopt = "wait",
	   .metavar = "SECONDS",
	   .help = "how long the removal is waited for (QMP kinds; default "
		   "10)"},
	  ARG_DOMAIN,
	  {.field = "bdf",
	   .type = CMDTAB_STRING,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "BDF",
	   .help = "0000:03:00.0 or 03:00.0",
	   .missing = "needs a PCI address like 0000:03:00.0"}}},
    [CMD_CD_INSERT] =
	{"cd-insert",
	 CMDTAB_CLI | CMDTAB_WIRE,
	 "put a medium in a CD-ROM drive",
	 "Puts FILE (an absolute path dmsup can read; its format is the "
	 "drive's) into the CD-ROM drive at VDEV (the vdev of a disk of media "
	 "cdrom). A running dom0 device model gets it through QMP "
	 "blockdev-change-medium on the drive ide-<devnum>; a stopped domain "
	 "gets it at its next start. The stored configuration follows.",
	 {ARG_DOMAIN,
	  ARG_VDEV,
	  {.field = "file",
	   .type = CMDTAB_STRING,
	   .flags = CMDTAB_REQUIRED,
	   .metavar = "FILE",
	   .help = "the image, an absolute path",
	   .missing = "needs the medium's file"}}},
    [CMD_CD_EJECT] = {"cd-eject",
		      CMDTAB_CLI | CMDTAB_WIRE,
		      "empty a CD-ROM drive",
		      "Ejects the medium of the CD-ROM drive at VDEV (QMP "
		      "eject, forced, on a running dom0 device model); the "
		      "stored configuration keeps the drive, empty.",
		      {ARG_DOMAIN, ARG_VDEV}},
    [CMD_SAVE] = {"save",
		  CMDTAB_CLI | CMDTAB_WIRE,
		  "pause the device model for a save",
		  "Pauses the device model for a save and keeps its device "
		  "state: on dom0 in a save file (docs/save-restore.md), "
		  "<state_dir>/<name>.save or --file PATH (a symlink or "
		  "FIFO is refused), written by QEMU into an fd "
		  "dmsup opened; --file - writes it to stdout instead. "
		  "status says paused until resume.",
		  {ARG_DOMAIN,
		   {.field = "file",
		    .type = CMDTAB_PATH,
		    .longopt = "file",
		    .metavar = "PATH",
		    .help = "the save file (-: stdout)"}}},
    [CMD_RESUME] = {"resume",
		    CMDTAB_CLI | CMDTAB_WIRE,
		    "let a saved device model run again",
		    "Lets a saved (paused) device model run again: QMP cont, "
		    "or the handshake's continue.",
		    {ARG_DOMAIN}},
    [CMD_ADOPT] = {"adopt",
		   CMDTAB_WIRE,
		   "a device model started by libxl announces itself",
		   "Sent by dmsup-qemu-dm just before it execs QEMU: dmsup "
		   "supervises the sender (SO_PEERCRED's pid) as the device "
		   "model of domain DOMID and answers with the log pipe, the "
		   "sentinel FIFO and a listening QMP socket (SCM_RIGHTS).",
		   {{.field = "domid",
		     .type = CMDTAB_INT,
		     .flags = CMDTAB_REQUIRED,
		     .metavar = "DOMID",
		     .help = "the guest's domid (-xen-domid)",
		     .missing = "needs a domid"},
		    {.field = "name",
		     .type = CMDTAB_STRING,
		     .flags = CMDTAB_REQUIRED,
		     .metavar = "NAME",
		     .help = "the guest's name (-name)",
		     .missing = "needs a name"},
		    {.field = "qemu",
		     .type = CMDTAB_STRING,
		     .flags = CMDTAB_REQUIRED,
		     .metavar = "PATH",
		     .help = "the QEMU that will be executed",
		     .missing = "needs the QEMU path"}}},
    [CMD_IMPORT_XL] =
	{"import-xl",
	 CMDTAB_CLI,
	 "define a domain from an xl.cfg file",
	 "Reads the device-model part of XL-FILE, an xl.cfg(5) file, with "
	 "libxlutil (name, type, memory, vcpus, disk, vif, serial, vga, "
	 "stdvga, videoram, vnc, boot, device_model_*, stubdomain_*) and "
	 "defines the domain in dmsup without starting it; with --print "
	 "prints the configuration (dmsup-config(5)) instead. Every key it "
	 "does not map is named on stderr with its line; a file it cannot "
	 "parse, a PV guest or a value dmsup cannot take is refused.",
	 {{.field = "print",
	   .type = CMDTAB_FLAG,
	   .flags = CMDTAB_LOCAL,
	   .longopt = "print",
	   .help = "print the configuration; define nothing"},
	  ARG_XL_DOMID,
	  {.field = "xl",
	   .type = CMDTAB_STRING,
	   .flags = CMDTAB_REQUIRED | CMDTAB_LOCAL,
	   .metavar = "XL-FILE",
	   .help = "an xl.cfg file"}}},
    [CMD_DEFINE] = {"define",
		    CMDTAB_WIRE,
		    "define or redefine a domain without starting it",
		    "Defines the domain of a configuration (dmsup-config(5)), "
		    "or redefines it when it is not running, and saves it; "
		    "dmctl import-xl sends it.",
		    {{.field = "config",
		      .type = CMDTAB_OBJECT,
		      .flags = CMDTAB_REQUIRED,
		      .metavar = "CONFIG",
		      .help = "the configuration",
		      .missing = "needs a config"}}},
    [CMD_HELP] = {"help",
		  CMDTAB_CLI,
		  "list the commands, or explain one",
		  "Lists the commands, or prints one command's usage, help "
		  "and arguments (as COMMAND --help does).",
		  {{.field = "command",
		    .type = CMDTAB_STRING,
		    .flags = CMDTAB_LOCAL,
		    .metavar = "COMMAND",
		    .help = "one command"}}},
    [CMD_HELLO] = {"hello",
		   CMDTAB_WIRE,
		   "agree on the protocol version",
		   "Takes the protocol versions the client speaks and "
		   "answers the one dmsup picked, its version and its "
		   "features. A client that sends none speaks protocol 1.",
		   {{.field = "protocols",
		     .type = CMDTAB_INTS,
		     .flags = CMDTAB_REQUIRED,
		     .metavar = "VERSIONS",
		     .help = "the protocol versions the client speaks",
		     .missing = "needs protocols"}}},
};

const struct cmdtab *cmdtab_find(const char *name, unsigned where)
{
	for (size_t i = 0; i < CMDTAB_N; i++)
		if ((cmdtab[i].where & where) && cmdtab[i].name &&
		    !strcmp(cmdtab[i].name, name))
			return &cmdtab[i];
	return NULL;
}

/* Long-only options get getopt values past the letters. */
static int cmdtab_optval(const struct cmdtab_arg *a, size_t i)
{
	return a->opt ? a->opt : 0x100 + (int)i;
}

const struct cmdtab_arg *cmdtab_option(const struct cmdtab *e, int opt)
{
	for (size_t i = 0; e->args[i].field; i++)
		if ((e->args[i].opt || e->args[i].longopt) &&
		    cmdtab_optval(&e->args[i], i) == opt)
			return &e->args[i];
	return NULL;
}

/* Appends to @buf, never past @len. */
static void __attribute__((format(printf, 4, 5)))
cmdtab_cat(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	*pos = n < 0 ? len : *pos + (size_t)n;
}

char *cmdtab_metavar(const struct cmdtab_arg *a, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	cmdtab_cat(buf, len, &pos, "%s", a->metavar ? a->metavar : "");
	for (const char *const *k = a->keys; k && *k; k++) {
		cmdtab_cat(buf, len, &pos, "[,%s=", *k);
		for (const char *c = *k; *c; c++)
			cmdtab_cat(buf, len, &pos, "%c",
				   *c >= 'a' && *c <= 'z' ? *c - 'a' + 'A'
							  : *c);
		cmdtab_cat(buf, len, &pos, "]");
	}
	return buf;
}

char *cmdtab_usage(const struct cmdtab *e, char *buf, size_t len)
{
	size_t pos = 0;
	char var[128];

	buf[0] = '\0';
	cmdtab_cat(buf, len, &pos, "%s", e->name);
	for (const struct cmdtab_arg *a = e->args; a->field; a++) {
		bool required = a->flags & CMDTAB_REQUIRED;
		const char *more = a->type == CMDTAB_STRINGS ? "..." : "";
		cmdtab_metavar(a, var, sizeof(var));
		if (a->opt)
			cmdtab_cat(buf, len, &pos, " [-%c%s%s]", a->opt,
				   a->metavar ? " " : "", var);
		else if (a->longopt)
			cmdtab_cat(buf, len, &pos, " [--%s%s%s]", a->longopt,
				   a->metavar ? " " : "", var);
		else
			cmdtab_cat(buf, len, &pos, " %s%s%s%s",
				   required ? "" : "[", var, more,
				   required ? "" : "]");
	}
	return buf;
}

/* What type a field of each cmdtab_type has in a request. */
static const json_type cmdtab_json_type[CMDTAB_TYPES] = {
    [CMDTAB_STRING] = json_type_string,
    [CMDTAB_INT] = json_type_int,
    [CMDTAB_OBJECT] = json_type_object,
    [CMDTAB_STRINGS] = json_type_array,
    [CMDTAB_FLAG] = json_type_boolean,
    [CMDTAB_SPEC] = json_type_string,
    [CMDTAB_FILE_OR_DOMAIN] = json_type_object,
    [CMDTAB_INTS] = json_type_array,
    [CMDTAB_PATH] = json_type_string,
};

static bool cmdtab_has(struct json_object *req, const char *field,
		       enum cmdtab_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, field, &v) ||
	    !json_object_is_type(v, cmdtab_json_type[type]))
		return false;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string_len(v) > 0;
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) > 0;
	return true;
}

const struct cmdtab_arg *cmdtab_missing(const struct cmdtab *e,
					struct json_object *req)
{
	for (const struct cmdtab_arg *a = e->args; a->field; a++) {
		if (!(a->flags & CMDTAB_REQUIRED) || (a->flags & CMDTAB_LOCAL))
			continue;
		/* A config of any type: config_from_json says what is wrong. */
		if (a->type == CMDTAB_FILE_OR_DOMAIN
			? !json_object_object_get_ex(req, a->field, NULL) &&
			      !cmdtab_has(req, "domain", CMDTAB_STRING)
			: !cmdtab_has(req, a->field, a->type))
			return a;
	}
	return NULL;
}

/* What a request's field of each type must be, as an error says it. */
static const char *const cmdtab_type_word[CMDTAB_TYPES] = {
    [CMDTAB_STRING] = "a string",
    [CMDTAB_INT] = "an integer",
    [CMDTAB_OBJECT] = "an object",
    [CMDTAB_STRINGS] = "an array of strings",
    [CMDTAB_INTS] = "an array of integers",
    [CMDTAB_FLAG] = "true or false",
    [CMDTAB_SPEC] = "a string",
    [CMDTAB_FILE_OR_DOMAIN] = "an object",
    [CMDTAB_PATH] = "a string",
};

static bool cmdtab_typed(struct json_object *v, enum cmdtab_type type)
{
	if (!json_object_is_type(v, cmdtab_json_type[type]))
		return false;
	json_type elem = type == CMDTAB_INTS ? json_type_int : json_type_string;
	for (size_t i = 0; (type == CMDTAB_STRINGS || type == CMDTAB_INTS) &&
			   i < json_object_array_length(v);
	     i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), elem))
			return false;
	return true;
}

/* @field of @req, if present, must be of @type. */
static bool cmdtab_wrong(struct json_object *req, const char *field,
			 enum cmdtab_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(req, field, &v) &&
	       !cmdtab_typed(v, type);
}

const char *cmdtab_mistyped(const struct cmdtab *e, struct json_object *req,
			    const char **want_r)
{
	*want_r = cmdtab_type_word[CMDTAB_STRING];
	/* Every request routes on these two, whatever its entry lists. */
	if (cmdtab_wrong(req, "cmd", CMDTAB_STRING))
		return "cmd";
	if (cmdtab_wrong(req, "domain", CMDTAB_STRING))
		return "domain";
	for (const struct cmdtab_arg *a = e->args; a->field; a++) {
		if (a->flags & CMDTAB_LOCAL)
			continue;
		/* A config of any type: config_from_json says what is wrong. */
		if (a->type != CMDTAB_FILE_OR_DOMAIN &&
		    cmdtab_wrong(req, a->field, a->type)) {
			*want_r = cmdtab_type_word[a->type];
			return a->field;
		}
		for (size_t k = 0; a->keys && a->keys[k]; k++)
			if (cmdtab_wrong(req, a->keys[k], CMDTAB_STRING))
				return a->keys[k];
	}
	return NULL;
}
