/* runtime/types/siphash.c: SipHash-1-3 (Aumasson and Bernstein's keyed hash
 * with one compression and three finalization rounds, as CPython 3.11 uses for
 * str and bytes), the hash of every str and bytes object. */
#include "types.h"

static inline uint64_t sip_rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64u - b)); }

/* Little-endian load, whatever the host's byte order and the pointer's
 * alignment. */
static inline uint64_t sip_load64(const unsigned char *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8u * i);
    return v;
}

typedef struct sip_state {
    uint64_t v0, v1, v2, v3;
} sip_state;

static inline void sip_round(sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = sip_rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = sip_rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = sip_rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = sip_rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = sip_rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = sip_rotl(s->v2, 32);
}

/* One message word: injected into v3, mixed by one round (the "1" of 1-3),
 * then folded into v0. */
static inline void sip_compress(sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    s->v0 ^= m;
}

/* SipHash-1-3 of n bytes at p under the 128-bit key (k0, k1). The last word
 * carries the length modulo 256 in its top byte, so inputs that differ only
 * by trailing zero bytes hash differently. */
uint64_t mori_siphash13(uint64_t k0, uint64_t k1, const void *p, size_t n)
{
    const unsigned char *in = p;
    sip_state s = {
        .v0 = k0 ^ UINT64_C(0x736f6d6570736575), /* "somepseu" */
        .v1 = k1 ^ UINT64_C(0x646f72616e646f6d), /* "dorandom" */
        .v2 = k0 ^ UINT64_C(0x6c7967656e657261), /* "lygenera" */
        .v3 = k1 ^ UINT64_C(0x7465646279746573), /* "tedbytes" */
    };
    size_t whole = n & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8)
        sip_compress(&s, sip_load64(in + i));

    uint64_t last = (uint64_t)(n & 0xff) << 56;
    for (size_t i = 0; i < (n & 7); i++)
        last |= (uint64_t)in[whole + i] << (8u * i);
    sip_compress(&s, last);

    s.v2 ^= 0xff;
    sip_round(&s);
    sip_round(&s);
    sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
