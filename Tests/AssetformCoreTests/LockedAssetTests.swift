import Testing

@testable import AssetformCore

/// A lockfile holds one `LockedAsset` per asset; it is kept small, and must still say exactly
/// what it was given.
@Suite("A locked asset keeps every field as given")
struct LockedAssetTests {
    static func asset(id: String = "a-1", ref: String) -> LockedAsset {
        LockedAsset(id: id, name: "n", ref: ref, status: .active, type: .image, url: "https://c.example.com/a.png")
    }

    @Test(arguments: ["asset://a-1", "a-1", "asset://a-2", "asset://a-1x", "ASSET://a-1", "", "asset://"])
    func referencesAreKeptByteForByte(ref: String) {
        #expect(Self.asset(ref: ref).ref == ref)
        var changed = Self.asset(ref: "asset://a-1")
        changed.ref = ref
        #expect(changed.ref == ref)
    }

    @Test func canonicallyEquivalentReferencesAreNotTakenForTheId() {
        let id = "a\u{301}\u{323}"
        let ref = "asset://a\u{323}\u{301}"
        #expect(Array(Self.asset(id: id, ref: ref).ref.utf8) == Array(ref.utf8))
    }

    @Test func aChangedIdKeepsTheReference() {
        for ref in ["asset://a-1", "a-1", "other"] {
            var a = Self.asset(ref: ref)
            a.id = "b-2"
            #expect(a.ref == ref)
        }
    }

    @Test func rareFieldsAreSetAndClearedIndependentlyAndCopiesStayApart() {
        var a = Self.asset(ref: "asset://a-1")
        let original = a
        a.failure = RemoteAsset.Failure(code: "C", message: "m")
        a.revision = "r2"
        a.source = SourceFingerprint(contentLength: 7, etag: "\"e\"", lastModified: nil)
        #expect(a.failure?.code == "C" && a.revision == "r2" && a.source?.contentLength == 7)
        #expect(original.failure == nil && original.revision == nil && original.source == nil)
        var b = a
        b.failure = nil
        #expect(a.failure?.code == "C", "a copy's change leaves the other alone")
        #expect(b.revision == "r2" && b.source?.contentLength == 7)
        b.revision = nil
        b.source = nil
        #expect(b == original)
        #expect(a != original)
    }
}
