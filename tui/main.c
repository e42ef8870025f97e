/*
 * main.c: the finwave program: command-line options and the `run` subcommand.
 *
 *   finwave [lesson NAME|FILE | play [FILE]]             the screen
 *   finwave run FILE [--trace text|jsonl] [--pcap FILE]   run a script headless
 *   finwave --help | --version | --lang en|zh | --no-color | --speed X
 *
 * `run` reads the script, parses all of it (a syntax error anywhere means nothing runs),
 * builds a world with the trace (and pcap) writers as observers, and hands the runner to a
 * driver.  Exit status: 0 every command ran and every expectation held; 1 an expectation
 * failed (the message is on stderr); 2 usage, syntax or system errors.
 *
 * The screen: `finwave` alone opens the home screen (lessons with progress, free play, the
 * language), `finwave play [FILE]` free play, `finwave lesson NAME|FILE` a lesson
 * (ui.h).  `finwave kernel FILE` and `run --compare` are the kernel check (rt_kernel.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "rt.h"
#include "rt_kernel.h"
#include "pcap_writer.h"
#include "runner.h"
#include "script.h"
#include "trace.h"
#include "ui.h"
#include "world.h"

#ifndef FW_VERSION
#define FW_VERSION "0.0.0"
#endif

#define SCRIPT_MAX_BYTES (16 * 1024 * 1024)

struct opts {
	const char *sub;               /* subcommand, NULL for the home screen */
	const char *file;              /* its argument */
	int trace_fmt;                 /* enum fw_trace_fmt */
	const char *pcap;
	const char *lang;
	bool no_color;
	double speed;
	uint64_t seed;
	bool wire_memory;
	bool compare;                  /* run --compare: the model and the kernel side by side */
	bool present;                  /* --present: the classroom layout */
	bool kernel;                   /* --kernel: "Linux says" on the screen */
};

static void usage(FILE *out)
{
	fputs("usage:\n"
	      "  finwave                         the home screen: lessons, free play, language\n"
	      "  finwave lesson NAME|FILE        start a lesson\n"
	      "  finwave play [FILE]             free play, optionally starting from a script\n"
	      "  finwave run FILE [--trace text|jsonl] [--pcap FILE]\n"
	      "                                  headless: run a script, print the trace\n"
	      "  finwave run --compare FILE      run it on the model and on Linux, side by side\n"
	      "  finwave kernel FILE [--trace text|jsonl] [--pcap FILE]\n"
	      "                                  run the script on the real Linux kernel\n"
	      "\n"
	      "options:\n"
	      "  --trace text|jsonl   trace format for run (default text)\n"
	      "  --pcap FILE          also write every segment to FILE (pcap, for Wireshark)\n"
	      "  --seed N             the model's random seed (default 1)\n"
	      "  --wire udp|memory    run: segments cross loopback as real datagrams between real\n"
	      "                       processes (udp, the default) or stay in memory\n"
	      "  --lang en|zh         language of the screen and lessons\n"
	      "  --no-color           no colour (so does the NO_COLOR environment variable)\n"
	      "  --speed X            clock speed on screen, 0.1 to 1000\n"
	      "  --present            classroom layout: big clock, big states, high contrast\n"
	      "  --kernel             on screen, \"Linux says\": the real kernel plays the same\n"
	      "                       commands and each host shows its state (key l)\n"
	      "  --help, --version\n"
	      "\n"
	      "exit status: 0 ok, 1 an expectation failed (or, with --compare, a difference),\n"
	      "             2 usage, syntax or system error, 3 the kernel check skipped steps\n",
	      out);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("finwave: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (try 'finwave --help')\n", stderr);
	return 2;
}

/* The value of --name VALUE or --name=VALUE; NULL if argv[*i] is not that option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	*missing = false;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* Parse argv into o.  Returns -1 to go on, or the exit status (0 after --help/--version). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const char *const valued[] = { "--trace", "--pcap", "--lang", "--speed", "--seed",
					      "--wire" };
	bool only_args = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			if (!o->sub)
				o->sub = a;
			else if (!o->file)
				o->file = a;
			else
				return usage_error("unexpected argument '%s'", a);
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("finwave %s\n", FW_VERSION);
			return 0;
		}
		if (strcmp(a, "--present") == 0) {
			o->present = true;
			continue;
		}
		if (strcmp(a, "--kernel") == 0) {
			o->kernel = true;
			continue;
		}
		if (strcmp(a, "--compare") == 0) {
			o->compare = true;
			continue;
		}
		if (strcmp(a, "--no-color") == 0) {
			o->no_color = true;
			continue;
		}
		const char *v = NULL;
		bool missing = false;
		size_t k;
		for (k = 0; k < sizeof valued / sizeof valued[0]; k++) {
			v = opt_value(argc, argv, &i, valued[k], &missing);
			if (v || missing)
				break;
		}
		if (missing)
			return usage_error("option '%s' needs a value", a);
		if (!v)
			return usage_error("unknown option '%s'", a);
		char *end;
		switch (k) {
		case 0:
			o->trace_fmt = trace_fmt_parse(v);
			if (o->trace_fmt < 0)
				return usage_error("--trace takes text or jsonl, not '%s'", v);
			break;
		case 1:
			o->pcap = v;
			break;
		case 2:
			if (strcmp(v, "en") != 0 && strcmp(v, "zh") != 0)
				return usage_error("--lang takes en or zh, not '%s'", v);
			o->lang = v;
			break;
		case 3:
			o->speed = strtod(v, &end);
			if (*end || end == v || !(o->speed >= 0.1 && o->speed <= 1000))
				return usage_error("--speed takes a number from 0.1 to 1000, not '%s'", v);
			break;
		case 4:
			errno = 0;
			o->seed = strtoull(v, &end, 10);
			if (*end || end == v || errno || v[0] == '-')
				return usage_error("--seed takes a number, not '%s'", v);
			break;
		case 5:
			if (strcmp(v, "udp") != 0 && strcmp(v, "memory") != 0)
				return usage_error("--wire takes udp or memory, not '%s'", v);
			o->wire_memory = strcmp(v, "memory") == 0;
			break;
		}
	}
	return -1;
}

/* Read a whole file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= SCRIPT_MAX_BYTES) {
				free(buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		errno = 0;
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (!buf || ferror(f)) {
		int e = !buf ? ENOMEM : errno ? errno : EIO;
		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/*
 * The driver that runs a script: for now the pure headless driver with the model's
 * in-memory wire and fake processes (runner.h runner_run).  The one place to switch to the
 * libuv runtime and the real wire.
 */
static enum fw_run run_drive(struct fw_world *w, struct runner *r, const struct opts *o)
{
	if (o->wire_memory)
		return runner_run(r);
	return rt_drive(w, r, NULL);
}

static int cmd_run(const struct opts *o)
{
	struct fw_world *w = NULL;
	struct fw_trace *tr = NULL;
	struct fw_pcap *pc = NULL;
	struct runner *r = NULL;
	struct script *s = NULL;
	char *text, err[8192];
	size_t len;
	int status = 2;

	if (!o->file)
		return usage_error("%s needs a script file: finwave run FILE", "run");
	text = read_file(o->file, &len);
	if (!text) {
		fprintf(stderr, "finwave: cannot read %s: %s\n", o->file, strerror(errno));
		return 2;
	}
	int rc = script_parse(o->file, text, len, &s, err, sizeof err);
	free(text);
	if (rc == -EINVAL) {
		fputs(err, stderr);
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "finwave: parsing %s: %s\n", o->file, strerror(-rc));
		return 2;
	}
	w = world_new(o->seed);
	tr = w ? trace_new(stdout, (enum fw_trace_fmt)o->trace_fmt) : NULL;
	if (!w || !tr || world_observe(w, trace_event_cb, tr) < 0) {
		fprintf(stderr, "finwave: cannot set up the model: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (o->pcap) {
		pc = pcap_writer_open(o->pcap, err, sizeof err);
		if (!pc) {
			fprintf(stderr, "finwave: --pcap: %s\n", err);
			goto out;
		}
		if (world_observe(w, pcap_writer_event_cb, pc) < 0) {
			fprintf(stderr, "finwave: cannot watch the model for the pcap file\n");
			goto out;
		}
	}
	r = runner_new(w, s);
	if (!r) {
		fprintf(stderr, "finwave: cannot start the runner: %s\n", strerror(ENOMEM));
		goto out;
	}
	switch (run_drive(w, r, o)) {
	case FW_RUN_DONE:
		status = 0;
		break;
	case FW_RUN_FAILED:
		fflush(stdout);
		fprintf(stderr, "%s\n", runner_message(r));
		status = 1;
		break;
	default:
		fflush(stdout);
		fprintf(stderr, "finwave: %s\n", runner_message(r));
		status = 2;
		break;
	}
out:
	runner_free(r);
	if (w && tr)
		world_unobserve(w, trace_event_cb, tr);
	trace_free(tr);
	if (pc && pcap_writer_close(pc) < 0) {
		fprintf(stderr, "finwave: writing %s: %s\n", o->pcap, strerror(EIO));
		status = 2;
	}
	world_free(w);
	script_free(s);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "finwave: writing the trace: %s\n", strerror(errno ? errno : EIO));
		status = 2;
	}
	return status;
}

/*
 * The file of `finwave lesson NAME|FILE`: a file as given, else the lesson named NAME (or
 * numbered) in the language asked for (--lang, else the environment), else in English.
 */
static int lesson_path(const struct opts *o, char *path, size_t cap)
{
	char root[LESSON_PATH_MAX];
	if (!o->file)
		return usage_error("%s needs a lesson: finwave lesson NAME|FILE (e.g. 1, four-way-close)",
				   "lesson");
	const char *lang = o->lang;
	if (!lang) {
		const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
		lang = "en";
		for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
			const char *v = getenv(vars[i]);
			if (v && *v) {
				lang = strncmp(v, "zh", 2) == 0 ? "zh" : "en";
				break;
			}
		}
	}
	if (lesson_root(NULL, root, sizeof root) < 0)
		root[0] = '\0';
	if (lesson_find(root, lang, o->file, path, cap) < 0) {
		fprintf(stderr, "finwave: no lesson '%s'%s%s (try 'finwave' for the list)\n", o->file,
			root[0] ? " in " : "", root);
		return -ENOENT;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .trace_fmt = FW_TRACE_TEXT, .speed = 1.0, .seed = 1 };

	if (argc > 1 && strcmp(argv[1], RT_APP_CHILD_ARG) == 0)
		return rt_app_child_main(argc, argv);
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!o.sub || strcmp(o.sub, "play") == 0 || strcmp(o.sub, "lesson") == 0) {
		struct ui_opts uo;
		char path[LESSON_PATH_MAX];
		ui_opts_init(&uo);
		uo.home = !o.sub;
		uo.script = o.sub && strcmp(o.sub, "play") == 0 ? o.file : NULL;
		uo.lang = o.lang;              /* NULL: from LC_ALL / LC_MESSAGES / LANG */
		uo.no_color = o.no_color;      /* ui_play also honours NO_COLOR */
		uo.speed = o.speed;
		uo.present = o.present;
		uo.seed = o.seed;
		uo.kernel = o.kernel;
		if (o.sub && strcmp(o.sub, "lesson") == 0) {
			if (lesson_path(&o, path, sizeof path) < 0)
				return 2;
			uo.lesson = path;
		}
		return ui_play(&uo);
	}
	if (strcmp(o.sub, "kernel") == 0) {
		if (!o.file)
			return usage_error("%s needs a script file: finwave kernel FILE", "kernel");
		return kernel_run_file(o.file, (enum fw_trace_fmt)o.trace_fmt, stdout, o.pcap);
	}
	if (strcmp(o.sub, "run") == 0 && o.compare) {
		if (!o.file)
			return usage_error("%s needs a script file: finwave run --compare FILE", "run");
		return kernel_compare_file(o.file, stdout);
	}
	if (strcmp(o.sub, "run") == 0)
		return cmd_run(&o);
	return usage_error("unknown command '%s'", o.sub);
}
