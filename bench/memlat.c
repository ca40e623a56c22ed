/* SPDX-License-Identifier: MIT */
/*
 * How this machine answers loads at random addresses, for the header of
 * bench/run.sh's table: a replay with 10,000 live pgds reads records,
 * frames and page-table pages of pgds in no order, so its rows depend on
 * the memory behind the caches as much as on the code.
 *
 * For each buffer size, two figures in nanoseconds per load, on 2 MiB
 * pages where the kernel gives them (the model asks for them too):
 * - dependent: each load's address comes from the one before (a random
 *   cycle through every cache line of the buffer): the latency;
 * - independent: addresses from a generator, as many loads in flight as
 *   the core allows: what look-ahead code can get at best.
 *
 * Usage: memlat [MiB...]   (default 1 4 16 64)
 * Prints one line: "SIZE MiB DEP/INDEP ns, ..."; exit status 2 on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE 64
#define HUGE (2u << 20)

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64*: cheap, and no load between two addresses */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

struct buffer {
	char *map;  /* the mapping, @len bytes */
	size_t len;
	char *b;    /* the buffer in it, on a 2 MiB boundary */
};

/* @r (uniform over 64 bits) scaled to [0, @n). */
static size_t below(uint64_t r, size_t n)
{
	return (size_t)(((unsigned __int128)r * n) >> 64);
}

/* @bytes with huge pages asked for; false on failure (errno). */
static bool buffer_map(size_t bytes, struct buffer *ret)
{
	ret->len = bytes + HUGE;
	ret->map = mmap(NULL, ret->len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ret->map == MAP_FAILED)
		return false;
	ret->b = (char *)(((uintptr_t)ret->map + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	madvise(ret->b, bytes, MADV_HUGEPAGE); /* a hint: no error to report */
	return true;
}

/* ns per load of a random cycle through the @n lines at @b. */
static double dependent(char *b, size_t n, uint64_t *seed)
{
	uint32_t *order = malloc(n * sizeof(*order));
	if (!order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	/* Sattolo: one cycle through every line */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = below(next_rand(seed), i);
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(uint64_t *)(b + (size_t)order[i] * LINE) =
			(uint64_t)order[(i + 1) % n] * LINE;
	free(order);
	size_t loads = n < 2000000 ? 2000000 : n, at = 0;
	double t0 = now();
	for (size_t i = 0; i < loads; i++)
		at = *(volatile uint64_t *)(b + at);
	double t = now() - t0;
	return t / (double)loads * 1e9;
}

/* ns per load of independent loads at random lines of the @n at @b. */
static double independent(const char *b, size_t n, uint64_t *seed)
{
	size_t loads = 10000000;
	uint64_t s = *seed;
	double t0 = now();
	for (size_t i = 0; i < loads; i++) {
		/*
		 * An LCG's high bits: one multiply and add between two
		 * addresses (a division, or a longer generator, would bound
		 * the loads in flight instead of the memory).
		 */
		s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		(void)*(const volatile uint64_t *)(b + below(s, n) * LINE);
	}
	double t = now() - t0;
	*seed = s;
	return t / (double)loads * 1e9;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {"1", "4", "16", "64"};
	const char *const *sizes = argc > 1 ? (const char *const *)argv + 1 : defaults;
	int nsizes = argc > 1 ? argc - 1 : 4;
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	for (int k = 0; k < nsizes; k++) {
		char *end;
		errno = 0;
		unsigned long mib = strtoul(sizes[k], &end, 10);
		if (errno || *end || mib == 0 || mib > 4096) {
			fprintf(stderr, "memlat: %s: not a size in MiB (1-4096)\n", sizes[k]);
			return 2;
		}
		size_t bytes = (size_t)mib << 20;
		struct buffer buf;
		if (!buffer_map(bytes, &buf)) {
			fprintf(stderr, "memlat: %lu MiB: %s\n", mib, strerror(errno));
			return 2;
		}
		char *b = buf.b;
		memset(b, 1, bytes); /* fault every page in before timing */
		size_t n = bytes / LINE;
		double dep = dependent(b, n, &seed);
		double ind = dep < 0 ? 0 : independent(b, n, &seed);
		munmap(buf.map, buf.len);
		if (dep < 0) {
			fprintf(stderr, "memlat: out of memory\n");
			return 2;
		}
		if (printf("%s%lu MiB %.0f/%.1f ns", k ? ", " : "", mib, dep, ind) < 0)
			return 2;
	}
	if (printf("\n") < 0 || fflush(stdout) == EOF) {
		perror("memlat: stdout");
		return 2;
	}
	return 0;
}
