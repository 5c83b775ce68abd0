/*
 * SIGHUP: dmsup reloads instead of exiting. The definitions are read
 * again from the state directory and dmsup's own log is reopened; no
 * device model is started, stopped or signalled (dmsup(8), "Reload").
 */
#ifndef DMSUP_RELOAD_H
#define DMSUP_RELOAD_H

struct dmsup;

/*
 * A new NAME.json is defined; a changed one replaces the domain's
 * configuration, which applies at its next start (as `dmctl set`); a
 * removed one forgets an inactive domain and is written back for an
 * active one, which stays supervised. An invalid file, or one whose
 * domid another domain has, is ignored with a warning.
 */
void reload_definitions(struct dmsup *sup);

#endif
