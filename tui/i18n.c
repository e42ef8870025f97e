/*
 * i18n.c: the string tables (English, Simplified Chinese) behind i18n.h.
 *
 * The tables are built from the one X-macro list in i18n.h, so a string cannot exist in one
 * language and be missing in the other.  Pure: no curses, no I/O; the lesson player and the
 * tests link it too.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "i18n.h"

#define I18N_EN_STR(id, en, zh) [id] = en,
#define I18N_ZH_STR(id, en, zh) [id] = zh,
static const char *const table_en[I18N_N] = { I18N_STRINGS(I18N_EN_STR) };
static const char *const table_zh[I18N_N] = { I18N_STRINGS(I18N_ZH_STR) };
#undef I18N_EN_STR
#undef I18N_ZH_STR

static enum i18n_lang cur = I18N_EN;

const char *i18n_in(enum i18n_lang lang, enum i18n_id id)
{
	if ((int)id < 0 || id >= I18N_N)
		return "";
	const char *s = lang == I18N_ZH ? table_zh[id] : table_en[id];
	return s ? s : table_en[id];
}

const char *i18n(enum i18n_id id)
{
	return i18n_in(cur, id);
}

void i18n_set_lang(enum i18n_lang lang)
{
	cur = lang == I18N_ZH ? I18N_ZH : I18N_EN;
}

enum i18n_lang i18n_lang(void)
{
	return cur;
}

int i18n_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "en") == 0)
		return I18N_EN;
	if (strcmp(name, "zh") == 0)
		return I18N_ZH;
	return -1;
}

enum i18n_lang i18n_from_env(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "zh", 2) == 0 ? I18N_ZH : I18N_EN;
	}
	return I18N_EN;
}

const char *i18n_timer(int timer)
{
	switch (timer) {
	case FW_T_RTO:
		return i18n(S_T_RTO);
	case FW_T_DELACK:
		return i18n(S_T_DELACK);
	case FW_T_TIME_WAIT:
		return i18n(S_T_TIME_WAIT);
	case FW_T_FIN_WAIT_2:
		return i18n(S_T_FIN_WAIT_2);
	case FW_T_KEEPALIVE:
		return i18n(S_T_KEEPALIVE);
	}
	return "?";
}

const char *i18n_host(int host)
{
	return host == FW_SERVER ? i18n(S_SERVER) : i18n(S_CLIENT);
}
