import AssetformCore

/// Walks a paginated list to its end, and only to its end (SPEC §6, "every wait is bounded"):
/// by page number, or by `NextToken` where the service gives one; it stops at the listed total,
/// an empty page, or a page by token with no next token; objects listed twice (the list shifted while it
/// was walked) are kept once; and a service that pages forever — a page of ids all seen before,
/// more pages than its own total allows, a total no account can hold, over a hundred pages of a
/// few objects with no total — is an error naming the call, not an endless walk.
public enum Paging {
    public static let pageSize = 100
    /// The most group ids one listing's filter takes.
    public static let groupsPerFilter = 100

    /// `ids` in filters of at most `groupsPerFilter`, in the order given (none: one empty filter,
    /// as the call itself would be sent).
    public static func filters(_ ids: [String]) -> [[String]] {
        guard !ids.isEmpty else { return [[]] }
        return stride(from: 0, to: ids.count, by: groupsPerFilter).map { Array(ids[$0..<min(ids.count, $0 + groupsPerFilter)]) }
    }
    /// More objects than any account holds (the upstream's pools are far smaller); a total over
    /// this is refused at once instead of paged through.
    public static let maximumObjects = 1_000_000
    /// The shortest page a service that pages at all serves (the upstream's default is 10) …
    static let smallestPage = 10
    /// … and the most pages of fewer objects, with no total, walked before the walk is an error.
    static let shortPages = 100

    static func all<T: Sendable>(
        _ call: String, id: (T) -> String, page fetch: (Int, String?) async throws(RemoteError) -> Page<T>
    ) async throws(RemoteError) -> [T] {
        var items: [T] = []
        try await each(call, id: id, page: fetch) { items += $0 }
        return items
    }

    /// The walk of `all`, handing each page's new objects to `body` as it arrives instead of
    /// holding them all: a listing of 100,000 assets need not be in memory twice.
    static func each<T: Sendable>(
        _ call: String, id: (T) -> String, page fetch: (Int, String?) async throws(RemoteError) -> Page<T>,
        _ body: ([T]) -> Void
    ) async throws(RemoteError) {
        var listed = 0
        var seen = Set<String>()
        var page = 1
        var served = pageSize
        // A service that pages by token (`NextToken`) says where the next page starts, and that
        // there is none by giving no token.
        var token: String?
        var tokens = Set<String>()
        while true {
            let p = try await fetch(page, token)
            if let total = p.total, total > maximumObjects {
                throw RemoteError(
                    .fatalForCall, call: call,
                    message: "the service says it holds \(total) objects, more than the \(maximumObjects) assetform lists; "
                        + "refusing to page through them")
            }
            let new = p.items.filter { seen.insert(id($0)).inserted }
            let fresh = new.count
            listed += fresh
            if fresh > 0 { body(new) }
            // The end: an empty page, or the announced total. (With no total, only an empty page:
            // a gateway may serve shorter pages than asked for.)
            if p.items.isEmpty { return }
            if let total = p.total, listed >= total { return }
            if let next = p.nextToken, !next.isEmpty {
                guard tokens.insert(next).inserted else {
                    throw RemoteError(
                        .fatalForCall, call: call,
                        message: "page \(page) gives a NextToken given before; the service pages without end")
                }
                token = next
            } else if token != nil {
                return  // paging by token, and no token: the last page
            }
            if page == 1 { served = p.items.count }
            guard fresh > 0 else {
                throw RemoteError(
                    .fatalForCall, call: call,
                    message: "page \(page) repeats \(p.items.count) objects already listed, with \(listed) of the "
                        + "\(p.total.map(String.init) ?? "unannounced") total listed; the service pages without end")
            }
            // Pages enough for the total, and two more for objects that arrived during the walk.
            // Pages as long as the first (a gateway may serve fewer than asked for). With no
            // total, pages shorter than any service's default page (one object a page could go
            // on for a million calls) get `shortPages` at most.
            let tiny = p.total == nil && served < smallestPage
            let bound = tiny ? shortPages : (p.total.map { ($0 + served - 1) / served } ?? maximumObjects / served) + 2
            guard page < bound else {
                throw RemoteError(
                    .fatalForCall, call: call,
                    message: "\(page) pages listed, more than "
                        + (tiny
                            ? "a listing of \(served) object\(served == 1 ? "" : "s") a page with no total is given"
                            : p.total.map { "its total of \($0) objects needs" } ?? "any account's objects need")
                        + "; the service pages without end")
            }
            page += 1
        }
    }
}
