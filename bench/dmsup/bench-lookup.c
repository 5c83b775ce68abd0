/*
 * The domain registry's lookups in-process (make bench). Prints figures,
 * asserts nothing: ns per domain_find by name, by a domid-looking key and
 * for a miss, and per domain_find_domid, with N defined domains (1,000
 * and 10,000), the cost every control request and every event of a
 * device model pays to find its domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/stats.h"
#include "dmsup/dmsup.h"
#include "dmsup/domain.h"

#define ROUND 256	  /* lookups per timed round */
#define ROUNDS_MAX 4096	  /* rounds at most */
#define BENCH_SECONDS 0.3 /* per figure, about */

static volatile unsigned long lookup_sink;

static void lookup_define(struct dmsup *sup, int n)
{
	for (int i = 0; i < n; i++) {
		struct dm_config cfg = {0};

		if (asprintf(&cfg.name, "dm-%05d", i) < 0)
			abort();
		cfg.domid = i + 1;
		if (!domain_new(sup, &cfg))
			abort();
	}
}

/*
 * ns per call, the median over rounds of ROUND calls (for about
 * BENCH_SECONDS): of domain_find over @keys, or of domain_find_domid
 * over @domids when @keys is NULL.
 */
static double lookup_time(struct dmsup *sup, char **keys, const int *domids,
			  int n)
{
	static double per[ROUNDS_MAX];
	double start = stats_now_us();
	int rounds = 0, k = 0;

	while (rounds < ROUNDS_MAX &&
	       (rounds < 5 || stats_now_us() - start < BENCH_SECONDS * 1e6)) {
		double t0 = stats_now_us();
		for (int i = 0; i < ROUND; i++, k = (k + 1) % n)
			lookup_sink +=
			    keys ? (unsigned long)domain_find(sup, keys[k])
				 : (unsigned long)domain_find_domid(sup,
								    domids[k]);
		per[rounds++] = (stats_now_us() - t0) * 1e3 / ROUND;
	}
	return stats_quantile(per, (size_t)rounds, 0.5);
}

/* @n keys "<prefix><number>" (@width digits at least) over random
 * domains @off..@off+@domains-1 (free them). */
static char **lookup_keys(const char *prefix, int width, int off, int n,
			  int domains)
{
	char **k = calloc((size_t)n, sizeof(*k));

	for (int i = 0; i < n; i++)
		if (asprintf(&k[i], "%s%0*d", prefix, width,
			     rand() % domains + off) < 0)
			abort();
	return k;
}

static void lookup_keys_free(char **k, int n)
{
	for (int i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

static void lookup_bench(int domains)
{
	struct dmsup sup = {0};
	enum { KEYS = 4096 };
	int domids[KEYS];

	sup.state_dir = sup.run_dir = sup.log_dir = "/nonexistent";
	lookup_define(&sup, domains);
	char **names = lookup_keys("dm-", 5, 0, KEYS, domains);
	char **ids = lookup_keys("", 0, 1, KEYS, domains);
	char **miss = lookup_keys("nx-", 5, 0, KEYS, domains);
	for (int i = 0; i < KEYS; i++)
		domids[i] = rand() % domains + 1;
	double by_name = lookup_time(&sup, names, NULL, KEYS);
	double by_key = lookup_time(&sup, ids, NULL, KEYS);
	double missed = lookup_time(&sup, miss, NULL, KEYS);
	double by_domid = lookup_time(&sup, NULL, domids, KEYS);
	printf("(f) lookups with %d domains (ns per call, median): "
	       "domain_find by name %.1f, by domid key %.1f, miss %.1f; "
	       "domain_find_domid %.1f\n",
	       domains, by_name, by_key, missed, by_domid);
	lookup_keys_free(names, KEYS);
	lookup_keys_free(ids, KEYS);
	lookup_keys_free(miss, KEYS);
	while (sup.domains)
		domain_free(sup.domains);
}

int main(void)
{
	srand(1);
	lookup_bench(1000);
	lookup_bench(10000);
	return 0;
}
