//! Cache prefetch hints for the hot loop's lookups: start loading a value's cache line
//! before it is read, so several lines' misses overlap.

/// Asks the CPU to load the cache line holding `*value` (and the `lines - 1` following
/// ones). A hint: it never faults and changes nothing but timing.
#[inline(always)]
pub fn prefetch<T>(value: &T, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = value as *const T as *const i8;
        for line in 0..lines {
            // SAFETY: a prefetch of any address is allowed: it cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (value, lines);
}
