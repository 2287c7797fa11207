import AssetformCore
import JSON
import Testing

@Suite("A saved plan reads back as exactly the plan that was saved")
struct PlanDocumentTests {
    static let spec = Plan.AssetSpec(name: "正面", type: .image, url: "https://cdn.example.com/a.png?v=1")
    static let revised = Plan.AssetSpec(name: "背面", type: .image, url: "https://cdn.example.com/b.png", revision: "2")
    static let failure = RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "no \"quote\"\n")

    /// One step of every action, with every optional both set and unset.
    static let plan = Plan(
        steps: [
            .init(address: addr("g1"), action: .createGroup(name: "G", description: nil, gone: nil), reason: "new"),
            .init(address: addr("g2"), action: .createGroup(name: "G2", description: "d", gone: "group-old"), reason: "gone"),
            .init(address: addr("g3"), action: .adoptGroup(id: "group-3", name: "G3", description: nil), reason: "found"),
            .init(
                address: addr("g4"),
                action: .updateGroup(
                    id: "group-4", name: .init(before: "a", after: "b"), description: .init(before: nil, after: "d")),
                reason: "name"),
            .init(
                address: addr("g5"), action: .updateGroup(id: "group-5", name: nil, description: .init(before: "x", after: "y")),
                reason: ""),
            .init(address: addr("g1/a"), action: .createAsset(spec, gone: nil), reason: "new"),
            .init(address: addr("g1/b"), action: .createAsset(spec, gone: "asset-gone"), reason: "gone"),
            .init(
                address: addr("g1/c"),
                action: .replaceAsset(
                    spec, old: "asset-c", url: .init(before: "https://cdn.example.com/old.png", after: spec.url),
                    type: .init(before: "video", after: "image"), revision: nil, failure: nil), reason: "url"),
            .init(
                address: addr("g1/d"),
                action: .replaceAsset(spec, old: "asset-d", url: nil, type: nil, revision: nil, failure: failure),
                reason: "retry"),
            .init(
                address: addr("g1/k"),
                action: .replaceAsset(
                    revised, old: "asset-k", url: nil, type: nil, revision: .init(before: nil, after: "2"), failure: nil),
                reason: "revision"),
            .init(
                address: addr("g1/l"),
                action: .replaceAsset(
                    revised, old: "asset-l", url: nil, type: nil, revision: .init(before: "1", after: "2"), failure: nil),
                reason: "revision"),
            .init(address: addr("g1/m"), action: .createAsset(revised, gone: nil), reason: "new"),
            .init(address: addr("g1/n"), action: .move(from: addr("g1/old-n"), id: "asset-n"), reason: "renamed"),
            .init(address: addr("g8"), action: .move(from: addr("g8-old"), id: "group-8"), reason: "moved"),
            .init(
                address: addr("g1/e"), action: .adoptAsset(spec, id: "asset-e", status: .processing, failure: nil),
                reason: "found"),
            .init(
                address: addr("g1/e2"), action: .adoptAsset(spec, id: "asset-e2", status: .failed, failure: failure),
                reason: "found failed"),
            .init(
                address: addr("g1/f"), action: .updateAsset(id: "asset-f", name: .init(before: "old", after: "new")), reason: "n"),
            .init(address: addr("g1/g"), action: .wait(id: "asset-g"), reason: "Processing"),
            .init(address: addr("g1/h"), action: .forget(id: "asset-h"), reason: "gone from the manifest"),
            .init(address: addr("g9"), action: .forget(id: "group-9"), reason: "gone from the manifest"),
            .init(address: addr("g1/i"), action: .failed(id: "asset-i", failure: failure), reason: "failed"),
            .init(address: addr("g1/j"), action: .failed(id: "asset-j", failure: nil), reason: "failed"),
        ],
        unchanged: [addr("g6"), addr("g6/x")], warnings: ["g7: name cannot be changed in place"],
        heldBack: [addr("g8/y")])

    @Test func everyActionRoundTrips() throws {
        let origin = Plan.Origin(
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "p"),
            manifestSHA256: String(repeating: "a", count: 64), lockLineage: "lin", lockSerial: 3)
        let text = Self.plan.json(origin).pretty
        let document = try #require(JSONValue.parse(Array(text.utf8)))
        let (read, readOrigin) = try Plan.decode(document, path: "plan.json")
        #expect(readOrigin == origin)
        #expect(read.unchanged == Self.plan.unchanged)
        #expect(read.warnings == Self.plan.warnings)
        #expect(read.heldBack == [addr("g8/y")] && document["summary"]?["held_back"]?.int == 1, "a saved plan keeps them")
        for (a, b) in zip(read.steps, Self.plan.steps) { #expect(a == b) }
        #expect(read == Self.plan)
        // The lockfile's lineage and serial, at the top and under `lock` alike; null without one.
        #expect(document["lineage"]?.string == "lin" && document["serial"]?.int == 3)
        #expect(document["lock"]?["lineage"]?.string == "lin" && document["lock"]?["serial"]?.int == 3)
        let none = Plan.Origin(
            provider: origin.provider, manifestSHA256: origin.manifestSHA256, lockLineage: nil, lockSerial: nil)
        let bare = try #require(JSONValue.parse(Array(Self.plan.json(none).pretty.utf8)))
        #expect(bare["lineage"] == .null && bare["serial"] == .null && bare["lock"] == .null)
    }

    @Test func aMalformedActionIsRefusedNamingIt() {
        let document: JSONValue = .object([
            ("format_version", .int(Plan.formatVersion)),
            ("provider", LockedProvider(api: "seedance", baseURL: "https://x.example", projectName: "p").json),
            ("manifest_sha256", .string("00")),
            (
                "actions",
                .array([.object([("address", .string("g/")), ("kind", .string("asset")), ("action", .string("create"))])])
            ),
        ])
        #expect(
            throws: StateError.notOurs(
                path: "p.json", line: nil, column: nil, file: .plan, detail: "action 1 is not one assetform writes")
        ) { try Plan.decode(document, path: "p.json") }
    }

    @Test func aReplacesURLsAreShownWithoutTheirQueryInTextAndMarkdown() {
        let signed = Plan.AssetSpec(name: "a", type: .image, url: "https://cdn.example.com/a.png?X-Amz-Signature=NEWSIG")
        let plan = Plan(
            steps: [
                .init(
                    address: addr("g/a"),
                    action: .replaceAsset(
                        signed, old: "asset-a",
                        url: .init(before: "https://cdn.example.com/a.png?X-Amz-Signature=OLDSIG", after: signed.url), type: nil,
                        revision: nil, failure: nil), reason: "url changed")
            ], unchanged: [], warnings: [])
        let text = PlanRenderer(color: false).render(plan, limits: nil)
        let markdown = PlanMarkdown().render(plan)
        for shown in [text, markdown] {
            #expect(!shown.contains("OLDSIG") && !shown.contains("NEWSIG"), "\(shown)")
            #expect(shown.contains("its query changed"), "\(shown)")
        }
        // The saved plan keeps the URL it creates from.
        let origin = Plan.Origin(
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "p"),
            manifestSHA256: "00", lockLineage: nil, lockSerial: nil)
        #expect(plan.json(origin).encoded.contains("NEWSIG"))
    }

    @Test func whereAPlanCameFromRoundTrips() throws {
        var origin = Plan.Origin(
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "p"),
            manifestSHA256: "00", lockLineage: "lin", lockSerial: 3)
        origin.lockSHA256 = String(repeating: "b", count: 64)
        origin.refreshed = false
        origin.emulated = true
        let document = try #require(JSONValue.parse(Array(Self.plan.json(origin).pretty.utf8)))
        #expect(try Plan.decode(document, path: "p.json").1 == origin)
    }

    /// A plan is saved only when `apply --plan` and `show` can read it back: its bytes, up to the
    /// limit, exactly; past it, none.
    @Test func aPlanTooLargeToReadBackIsNotSaved() throws {
        let origin = Plan.Origin(
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "p"),
            manifestSHA256: "00", lockLineage: "lin", lockSerial: 3)
        let document = Self.plan.json(origin)
        let bytes = try #require(Plan.savedBytes(document))
        #expect(bytes == Array((document.pretty + "\n").utf8) && bytes.count < Plan.maxDocumentBytes)
        #expect(Plan.savedBytes(document, limit: bytes.count) == bytes, "at the limit")
        #expect(Plan.savedBytes(document, limit: bytes.count - 1) == nil, "one byte over")
    }

    @Test func aLongPlanInMarkdownStaysUnderTheCommentLimitAndMentionsNoOne() {
        let long = "https://cdn.example.com/" + String(repeating: "very-long-path-segment/", count: 10)
        let steps = (0..<400).map { i in
            Plan.Step(
                address: addr("g/a\(i)"),
                action: .replaceAsset(
                    Plan.AssetSpec(name: "a\(i)", type: .image, url: long + "new-\(i).png"), old: "asset-\(i)",
                    url: .init(before: long + "old-\(i).png", after: long + "new-\(i).png"), type: nil, revision: nil,
                    failure: nil), reason: "url changed")
        }
        let plan = Plan(
            steps: steps + [
                .init(
                    address: addr("h"), action: .createGroup(name: "ping @octo-org/security", description: nil, gone: nil),
                    reason: "new")
            ],
            unchanged: [], warnings: (0..<300).map { "warning \($0): " + long })
        let markdown = PlanMarkdown().render(plan)
        #expect(markdown.count <= 60_000, "\(markdown.count)")
        #expect(markdown.contains("more (`assetform show PLANFILE` lists them all)"))
        #expect(markdown.contains("400 billed create calls"), "the counts stay whole")
        #expect(!markdown.contains("@octo-org") && markdown.contains("@\u{200B}octo-org"))
    }
}
