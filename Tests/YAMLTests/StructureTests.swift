import Testing
import YAML

@Suite("Block and flow styles, Unicode, anchors, merge keys and marks")
struct StructureTests {
    @Test func blockAndFlowStylesGiveTheSameTree() throws {
        let block = try root(
            """
            groups:
              a:
                assets:
                  - one
                  - two
                name: x
            """)
        let flow = try root("{groups: {a: {assets: [one, two], name: x}}}")
        #expect(block == flow)
    }

    @Test func literalAndFoldedScalars() throws {
        let node = try root(
            """
            literal: |
              line one
              line two
            folded: >
              one
              two
            quoted: "tab\\there \\u00e9"
            single: 'it''s'
            """)
        #expect(node["literal"]?.text == "line one\nline two\n")
        #expect(node["folded"]?.text == "one two\n")
        #expect(node["quoted"]?.text == "tab\there é")
        #expect(node["single"]?.text == "it's")
        #expect(node["literal"]?.scalar?.style == .literal)
    }

    @Test func unicodeTextAndColumnsCountCharacters() throws {
        let node = try root("名前: 角色素材组\n角色: {键: 值}\n")
        #expect(node["名前"]?.text == "角色素材组")
        // "名前: " is four characters, so the value starts in column 5, whatever its bytes.
        #expect(node["名前"]?.mark == Mark(line: 1, column: 5))
        #expect(node["角色"]?["键"]?.mark == Mark(line: 2, column: 9))
    }

    @Test func marksAreOneBased() throws {
        let node = try root(
            """
            version: 1
            groups:
              chars:
                - https://a.example/x.png
            """)
        guard case .mapping(let m) = node else { Issue.record("not a mapping"); return }
        #expect(m.mark == Mark(line: 1, column: 1))
        #expect(m.entries[0].key.mark == Mark(line: 1, column: 1))
        #expect(m.entries[0].value.mark == Mark(line: 1, column: 10))
        #expect(node["groups"]?["chars"]?.mark == Mark(line: 4, column: 5))
        #expect(node["groups"]?["chars"]?[0]?.mark == Mark(line: 4, column: 7))
    }

    @Test func equalityLeavesMarksOut() throws {
        #expect(try root("a: 1") == root("\n\n   a:    1"))
        #expect(try root("a: 1") != root("a: '1'"))
    }

    @Test func aliasesResolveToTheAnchoredNode() throws {
        let node = try root(
            """
            base: &b {type: image, name: x}
            copy: *b
            list: [&s one, *s]
            """)
        #expect(node["copy"] == node["base"])
        #expect(node["list"]?[1]?.text == "one")
    }

    @Test func mergeKeysLetExplicitKeysWin() throws {
        let node = try root(
            """
            defaults: &d {type: image, name: from-default, extra: 1}
            more: &m {name: from-more, other: 2}
            asset:
              <<: [*d, *m]
              name: explicit
            """)
        let asset = try #require(node["asset"])
        #expect(asset["name"]?.text == "explicit")
        #expect(asset["type"]?.text == "image")
        #expect(asset["extra"]?.text == "1")
        #expect(asset["other"]?.text == "2")
        guard case .mapping(let m) = asset else { Issue.record("not a mapping"); return }
        #expect(m.entries.count == 4)
        #expect(m["<<"] == nil)
    }

    @Test func earlierMergedMappingWins() throws {
        let node = try root("a: &a {k: first}\nb: &b {k: second}\nc: {<<: [*a, *b]}\n")
        #expect(node["c"]?["k"]?.text == "first")
    }

    @Test func aSecondMergeKeyIsADuplicateKeyAndOnlyTheFirstMerges() throws {
        let doc = try parse("a: &a {k: 1}\nb: &b {j: 2}\nc:\n  <<: *a\n  <<: *b\n")
        #expect(doc.problems.map(\.kind) == [.duplicateKey("<<", first: Mark(line: 4, column: 3))])
        #expect(doc.problems.first?.message.contains("`<<: [*a, *b]`") == true)
        #expect(doc.root?["c"]?["k"]?.text == "1" && doc.root?["c"]?["j"] == nil)
    }

    @Test func mergedValuesKeepTheirOwnMarks() throws {
        let node = try root("d: &d {type: image}\nx:\n  <<: *d\n")
        #expect(node["x"]?["type"]?.mark == Mark(line: 1, column: 14))
    }

    @Test func mergeOfAScalarIsAProblem() throws {
        let doc = try parse("a:\n  <<: 5\n  b: 1\n")
        #expect(doc.problems.map(\.kind) == [.invalidMerge])
        #expect(doc.problems.first?.mark == Mark(line: 2, column: 7))
    }

    @Test func duplicateKeysNameBothPlaces() throws {
        let doc = try parse("a: 1\nb: 2\na: 3\n")
        #expect(doc.problems.count == 1)
        let p = try #require(doc.problems.first)
        #expect(p.kind == .duplicateKey("a", first: Mark(line: 1, column: 1)))
        #expect(p.mark == Mark(line: 3, column: 1))
        #expect(p.message.contains("line 1, column 1"))
        #expect(doc.root?["a"]?.text == "1", "the first value is kept")
    }

    @Test func duplicateKeysInLargeMappingsToo() throws {
        var text = ""
        for i in 0..<100 { text += "k\(i): \(i)\n" }
        text += "k42: again\n"
        let doc = try parse(text)
        #expect(doc.problems.map(\.kind) == [.duplicateKey("k42", first: Mark(line: 43, column: 1))])
    }

    @Test func undefinedAndRecursiveAliases() {
        #expect(parseError("a: *nowhere\n")?.kind == .undefinedAlias("nowhere"))
        #expect(parseError("a: &x [1, *x]\n")?.kind == .recursiveAlias("x"))
        #expect(parseError("a: *nowhere\n")?.mark == Mark(line: 1, column: 4))
    }

    @Test func emptyAndCommentOnlySourcesHaveNoRoot() throws {
        #expect(try parse("").root == nil)
        #expect(try parse("# only a comment\n\n").root == nil)
    }
}
