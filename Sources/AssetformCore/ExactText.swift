#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text compared and hashed by its UTF-8 bytes, as the remote service compares names.
///
/// `String`'s own hashing normalises to NFC first, which is slow for the CJK names that are
/// common here, and would call two differently encoded names equal when the service does not.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (a: ExactText, b: ExactText) -> Bool {
        let n = a.text.utf8.count
        guard n == b.text.utf8.count else { return false }
        // (Every String this tool makes is native, so contiguous: no copy is made here.)
        if let same = a.text.utf8.withContiguousStorageIfAvailable({ p in
            b.text.utf8.withContiguousStorageIfAvailable { q in n == 0 || memcmp(p.baseAddress!, q.baseAddress!, n) == 0 }
        }), let same {
            return same
        }
        return a.text.utf8.elementsEqual(b.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether the two are the same text byte for byte, as the service compares names, URLs and
    /// descriptions: `==` calls canonically equivalent texts equal (a name typed in another
    /// Unicode form), and the service does not.
    public func isSameText(as other: String) -> Bool { ExactText(self) == ExactText(other) }
}

extension String? {
    /// `isSameText` of two texts that may be absent: nil is the same only as nil.
    public func isSameText(as other: String?) -> Bool {
        switch (self, other) {
        case (let a?, let b?): a.isSameText(as: b)
        case (nil, nil): true
        default: false
        }
    }
}
