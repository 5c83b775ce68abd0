/*
 * Small helpers shared by the benchmarks: a monotonic clock and quantiles
 * of a sample set. Header-only so each benchmark stays one program.
 */
#ifndef DMSUP_BENCH_STATS_H
#define DMSUP_BENCH_STATS_H

#include <stdlib.h>
#include <time.h>

/* Monotonic time in microseconds. */
static inline double stats_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline int stats_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1, nearest rank) of @n samples; sorts them. */
static inline double stats_quantile(double *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), stats_cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

#endif
