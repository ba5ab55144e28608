//go:build cgo

package peak

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include <stdint.h>

// 24 independent chains of 16-lane FMAs: enough to cover the FMA latency on
// every AVX-512 core (4 cycles × 2 pipes needs 8), within the 32 registers.
__attribute__((target("avx512f")))
static float fma512(int64_t iters) {
	__m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
	__m512 c0 = _mm512_set1_ps(0.f), c1 = _mm512_set1_ps(1.f), c2 = _mm512_set1_ps(2.f), c3 = _mm512_set1_ps(3.f);
	__m512 c4 = _mm512_set1_ps(4.f), c5 = _mm512_set1_ps(5.f), c6 = _mm512_set1_ps(6.f), c7 = _mm512_set1_ps(7.f);
	__m512 c8 = _mm512_set1_ps(8.f), c9 = _mm512_set1_ps(9.f), c10 = _mm512_set1_ps(10.f), c11 = _mm512_set1_ps(11.f);
	__m512 c12 = _mm512_set1_ps(12.f), c13 = _mm512_set1_ps(13.f), c14 = _mm512_set1_ps(14.f), c15 = _mm512_set1_ps(15.f);
	__m512 c16 = _mm512_set1_ps(16.f), c17 = _mm512_set1_ps(17.f), c18 = _mm512_set1_ps(18.f), c19 = _mm512_set1_ps(19.f);
	__m512 c20 = _mm512_set1_ps(20.f), c21 = _mm512_set1_ps(21.f), c22 = _mm512_set1_ps(22.f), c23 = _mm512_set1_ps(23.f);
	for (int64_t i = 0; i < iters; i++) {
		c0 = _mm512_fmadd_ps(c0, a, b); c1 = _mm512_fmadd_ps(c1, a, b); c2 = _mm512_fmadd_ps(c2, a, b); c3 = _mm512_fmadd_ps(c3, a, b);
		c4 = _mm512_fmadd_ps(c4, a, b); c5 = _mm512_fmadd_ps(c5, a, b); c6 = _mm512_fmadd_ps(c6, a, b); c7 = _mm512_fmadd_ps(c7, a, b);
		c8 = _mm512_fmadd_ps(c8, a, b); c9 = _mm512_fmadd_ps(c9, a, b); c10 = _mm512_fmadd_ps(c10, a, b); c11 = _mm512_fmadd_ps(c11, a, b);
		c12 = _mm512_fmadd_ps(c12, a, b); c13 = _mm512_fmadd_ps(c13, a, b); c14 = _mm512_fmadd_ps(c14, a, b); c15 = _mm512_fmadd_ps(c15, a, b);
		c16 = _mm512_fmadd_ps(c16, a, b); c17 = _mm512_fmadd_ps(c17, a, b); c18 = _mm512_fmadd_ps(c18, a, b); c19 = _mm512_fmadd_ps(c19, a, b);
		c20 = _mm512_fmadd_ps(c20, a, b); c21 = _mm512_fmadd_ps(c21, a, b); c22 = _mm512_fmadd_ps(c22, a, b); c23 = _mm512_fmadd_ps(c23, a, b);
	}
	__m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)), _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
	s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)), _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
	s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c16, c17), _mm512_add_ps(c18, c19)), _mm512_add_ps(_mm512_add_ps(c20, c21), _mm512_add_ps(c22, c23))));
	return _mm512_reduce_add_ps(s);
}

// 12 independent chains of 8-lane FMAs, within AVX2's 16 registers.
__attribute__((target("avx2,fma")))
static float fma256(int64_t iters) {
	__m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
	__m256 c0 = _mm256_set1_ps(0.f), c1 = _mm256_set1_ps(1.f), c2 = _mm256_set1_ps(2.f), c3 = _mm256_set1_ps(3.f);
	__m256 c4 = _mm256_set1_ps(4.f), c5 = _mm256_set1_ps(5.f), c6 = _mm256_set1_ps(6.f), c7 = _mm256_set1_ps(7.f);
	__m256 c8 = _mm256_set1_ps(8.f), c9 = _mm256_set1_ps(9.f), c10 = _mm256_set1_ps(10.f), c11 = _mm256_set1_ps(11.f);
	for (int64_t i = 0; i < iters; i++) {
		c0 = _mm256_fmadd_ps(c0, a, b); c1 = _mm256_fmadd_ps(c1, a, b); c2 = _mm256_fmadd_ps(c2, a, b); c3 = _mm256_fmadd_ps(c3, a, b);
		c4 = _mm256_fmadd_ps(c4, a, b); c5 = _mm256_fmadd_ps(c5, a, b); c6 = _mm256_fmadd_ps(c6, a, b); c7 = _mm256_fmadd_ps(c7, a, b);
		c8 = _mm256_fmadd_ps(c8, a, b); c9 = _mm256_fmadd_ps(c9, a, b); c10 = _mm256_fmadd_ps(c10, a, b); c11 = _mm256_fmadd_ps(c11, a, b);
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)), _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
	float out[8];
	_mm256_storeu_ps(out, s);
	return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

#include <time.h>
static int64_t thread_cpu_ns(void) {
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int has_avx512(void) { __builtin_cpu_init(); return __builtin_cpu_supports("avx512f"); }
static int has_fma(void) { __builtin_cpu_init(); return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
*/
import "C"

import "time"

// sink keeps the loops' results alive so the compiler cannot drop them.
var sink float32

// threadCPU returns the processor time of the calling OS thread, or a negative value.
func threadCPU() time.Duration { return time.Duration(C.thread_cpu_ns()) }

func bestKernel() (kernel, bool) {
	switch {
	case C.has_avx512() != 0:
		return kernel{name: "AVX-512 FMA, 16 lanes", flopsPerIter: 24 * 16 * 2,
			run: func(n int64) { sink += float32(C.fma512(C.int64_t(n))) }}, true
	case C.has_fma() != 0:
		return kernel{name: "AVX2 FMA, 8 lanes", flopsPerIter: 12 * 8 * 2,
			run: func(n int64) { sink += float32(C.fma256(C.int64_t(n))) }}, true
	}
	return kernel{}, false
}
