import Durable

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Flushes what `print` buffered for stdout.
func flushOutput() {
    fflush(nil)
}

/// Writes UTF-8 text to stdout after what `print` buffered (so the two stay in order), without
/// making a String of it first.
func printBytes(_ bytes: [UInt8]) {
    flushOutput()
    try? AtomicFile.writeAll(STDOUT_FILENO, bytes, what: "stdout")
}
