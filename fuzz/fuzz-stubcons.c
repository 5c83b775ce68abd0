/*
 * fuzz-stubcons.c - the stub console's ring arithmetic (stubkeep/stubcons.c:
 * stubcons_ring_take, stubcons_ring_pending, stubcons_ring_copy) on an
 * in-memory console page whose indices the fuzzer sets, as a stub may.
 *
 * Input: a sequence of steps, each one byte (op = b % 5) and its operands:
 *   0 <k>          the stub writes up to k + 1 bytes of its stream, as
 *                  much as the room it sees (out_cons) allows
 *   1              one pass: stubcons_ring_take
 *   2 <4 bytes>    the stub sets out_prod to anything
 *   3 <4 bytes>    the stub overwrites out_cons
 *   4 <s> <4> <4>  pending + copy on a ring of 2^(s % 13) bytes allocated
 *                  to its exact size, with consumer and producer given
 * Checked: a pass takes exactly prod - cons bytes when that is within the
 * ring (never more than out[]'s size, into a buffer of that size) and
 * they are the ring's bytes at those indices; otherwise it takes nothing
 * and jumps to the producer; out_cons is published as our consumer; a
 * stub that keeps to the protocol gets its stream out byte for byte, in
 * order; copy never reads outside its ring (ASan: exact allocations).
 */
#include <string.h>

#include "stubkeep/stubcons.h"
#include "fuzz/fuzz.h"

#define RING sizeof(((struct xencons_interface *)0)->out)
#define STREAM_MAX (1u << 16)

static uint32_t fuzz_take_u32(const uint8_t **data, size_t *size)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | fuzz_take_byte(data, size);
	return v;
}

/* The stream a well-behaved stub writes: its bytes follow from the
 * position, so the relayed output can be checked against it. */
static char fuzz_stream_byte(uint32_t pos)
{
	return (char)(pos * 131u + (pos >> 8));
}

struct fuzz_cons {
	struct xencons_interface *page;
	uint32_t cons;	  /* ours */
	uint32_t wrote;	  /* stream bytes the stub wrote */
	uint32_t relayed; /* stream bytes that came out */
	bool lied;	  /* the stub broke the protocol: no stream check */
	char *buf;	  /* exactly out[]'s size */
};

static void fuzz_stub_write(struct fuzz_cons *f, unsigned k)
{
	uint32_t prod = f->page->out_prod;
	uint32_t used = prod - f->page->out_cons;

	if (f->lied || used > RING)
		return;
	for (unsigned i = 0; i < k && used < RING; i++, used++) {
		f->page->out[prod++ & (RING - 1)] = fuzz_stream_byte(f->wrote);
		f->wrote++;
	}
	f->page->out_prod = prod;
}

static void fuzz_take(struct fuzz_cons *f)
{
	uint32_t before = f->cons, prod = f->page->out_prod;
	uint32_t ahead = prod - before;
	int n = stubcons_ring_take(f->page, &f->cons, f->buf);

	FUZZ_ASSERT(f->page->out_cons == f->cons || n == 0,
		    "published %u, consumer %u", f->page->out_cons, f->cons);
	if (ahead > RING) {
		FUZZ_ASSERT(n == -1, "took %d with producer %u ahead", n,
			    ahead);
		FUZZ_ASSERT(f->cons == prod, "did not jump to the producer");
		return;
	}
	FUZZ_ASSERT(n >= 0 && (uint32_t)n == ahead && n <= (int)RING,
		    "took %d of %u", n, ahead);
	FUZZ_ASSERT(f->cons == before + ahead, "consumer %u after %u + %u",
		    f->cons, before, ahead);
	for (int i = 0; i < n; i++)
		FUZZ_ASSERT(f->buf[i] ==
				f->page->out[(before + i) & (RING - 1)],
			    "byte %d not the ring's", i);
	if (f->lied)
		return;
	for (int i = 0; i < n; i++, f->relayed++)
		FUZZ_ASSERT(f->buf[i] == fuzz_stream_byte(f->relayed),
			    "stream byte %u lost or reordered", f->relayed);
}

/* The pure functions on a ring of any power-of-two size. */
static void fuzz_pure(unsigned shift, uint32_t cons, uint32_t prod)
{
	uint32_t size = 1u << (shift % 13);
	char *ring = malloc(size), *buf = malloc(size);
	int64_t n = stubcons_ring_pending(cons, prod, size);

	FUZZ_ASSERT(ring && buf, "alloc");
	for (uint32_t i = 0; i < size; i++)
		ring[i] = (char)(i ^ (i >> 8));
	if (prod - cons > size) {
		FUZZ_ASSERT(n == -1, "pending %lld beyond the ring",
			    (long long)n);
	} else {
		FUZZ_ASSERT(n == (int64_t)(prod - cons), "pending %lld of %u",
			    (long long)n, prod - cons);
		FUZZ_ASSERT(stubcons_ring_copy(ring, size, cons, (uint32_t)n,
					       buf) == (uint32_t)n,
			    "copy count");
		for (uint32_t i = 0; i < (uint32_t)n; i++)
			FUZZ_ASSERT(buf[i] == ring[(cons + i) % size],
				    "copied byte %u", i);
	}
	free(buf);
	free(ring);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cons f = {0};
	int steps = 0;

	f.page = calloc(1, sizeof(*f.page));
	f.buf = malloc(RING);
	FUZZ_ASSERT(f.page && f.buf, "alloc");
	while (size && steps++ < 1024 && f.wrote < STREAM_MAX) {
		unsigned op = fuzz_take_byte(&data, &size) % 5, s;
		uint32_t a, b;

		switch (op) {
		case 0:
			fuzz_stub_write(&f, fuzz_take_byte(&data, &size) + 1);
			break;
		case 1:
			fuzz_take(&f);
			break;
		case 2:
			f.page->out_prod = fuzz_take_u32(&data, &size);
			f.lied = true;
			break;
		case 3:
			f.page->out_cons = fuzz_take_u32(&data, &size);
			f.lied = true;
			break;
		default:
			s = fuzz_take_byte(&data, &size);
			a = fuzz_take_u32(&data, &size);
			b = fuzz_take_u32(&data, &size);
			fuzz_pure(s, a, b);
			break;
		}
	}
	fuzz_take(&f);
	FUZZ_ASSERT(f.lied || f.relayed == f.wrote, "%u of %u bytes relayed",
		    f.relayed, f.wrote);
	free(f.buf);
	free(f.page);
	return 0;
}
