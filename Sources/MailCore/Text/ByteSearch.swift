#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one fast scan for a byte in a buffer (memchr(3), vectorised by the C
/// library): the line-oriented encoders (dot-stuffing, CRLF checks, the POP3
/// body stream) copy whole runs between the bytes they look for instead of
/// looking at every octet in Swift.
public enum ByteSearch {
    /// The index of the first `byte` at or after `start` in `buffer`, or
    /// `buffer.count` when there is none.
    @inline(__always)
    public static func next(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < buffer.count, let base = buffer.baseAddress,
              let found = memchr(base + start, Int32(byte), buffer.count - start) else { return buffer.count }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}
