//! The knocklog binary: parse the command line, run the subcommand, exit with its code.

/// jemalloc, not the system allocator. On the 1 GB bench it took 5-7% off every scan
/// (plain and gzip, one thread and two; side by side): the end of a scan frees and
/// reallocates per-address statistics that the other worker thread allocated, and
/// glibc's arenas serialise that (judging 40k addresses took 19-35 ms, now 4-6 ms).
/// It also keeps freed pages for the next allocation, as a short run wants (a page
/// handed back and faulted in again costs microseconds on a VM).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    knocklog::cmd::main()
}
