import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A server on 127.0.0.1 (port 0) that misbehaves on purpose: each request gets the steps its
/// script returns (bytes, pauses, a close), so a test can trickle a body, stall after the headers,
/// answer too much, redirect, throttle absurdly, or echo the key. Plain sockets on threads of its
/// own (never Swift's cooperative pool); every pause ends when the server stops.
final class HostileServer: Sendable {
    struct Request: Sendable {
        var method: String
        /// The request target: path and query.
        var target: String
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]

        /// The seedance action of `/v1/seedance/asset/{Action}`.
        var action: String { target.split(separator: "/").last.map { String($0.split(separator: "?")[0]) } ?? "" }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
    }

    enum Step: Sendable {
        case send([UInt8])
        case pause(Duration)
        /// Sends nothing more until the server stops (or `limit` passes), then closes.
        case stall(limit: Duration)
    }

    typealias Script = @Sendable (Request) -> [Step]

    let port: Int
    private let listener: Int32
    private let script: Script
    private let stopped = Atomic<Bool>(false)
    private let received = Mutex<[Request]>([])

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { received.withLock { $0 } }

    init(_ script: @escaping Script) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw Failure(what: "bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    struct Failure: Error { let what: String }

    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .acquiring) {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            var one: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = readRequest(fd) else { return }
        received.withLock { $0.append(request) }
        for step in script(request) {
            switch step {
            case .send(let bytes):
                var offset = 0
                while offset < bytes.count {
                    let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { return }
                    offset += n
                }
            case .pause(let d):
                if !sleep(d) { return }
            case .stall(let limit):
                _ = sleep(limit)
                return
            }
        }
    }

    /// Sleeps in small steps; false when the server stopped meanwhile.
    private func sleep(_ d: Duration) -> Bool {
        let end = ContinuousClock.now + d
        while ContinuousClock.now < end {
            if stopped.load(ordering: .acquiring) { return false }
            usleep(20_000)
        }
        return true
    }

    private func readRequest(_ fd: Int32) -> Request? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            data += buffer[..<n]
            headerEnd = find(data, Array("\r\n\r\n".utf8))
            if data.count > 1 << 20 { return nil }
        }
        let head = String(decoding: data[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(data[(headerEnd! + 4)...])
        while body.count < length {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            body += buffer[..<n]
        }
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }

    // MARK: - Answers

    /// A whole HTTP/1.1 answer, `Connection: close`.
    static func answer(_ status: Int, _ body: String, headers: [(String, String)] = []) -> [UInt8] {
        let bytes = Array(body.utf8)
        var head = "HTTP/1.1 \(status) Whatever\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + bytes
    }

    /// An upstream-shaped seedance answer: `Result`, or `ResponseMetadata.Error`.
    static func result(_ result: String, action: String = "X") -> [Step] {
        [.send(answer(200, #"{"ResponseMetadata": {"RequestId": "r", "Action": "\#(action)"}, "Result": \#(result)}"#))]
    }

    static func error(_ status: Int, code: String, message: String, headers: [(String, String)] = []) -> [Step] {
        let json = try! JSONSerialization.data(withJSONObject: [
            "ResponseMetadata": ["RequestId": "r", "Error": ["Code": code, "Message": message]]
        ])
        return [.send(answer(status, String(decoding: json, as: UTF8.self), headers: headers))]
    }

    /// A JSON string literal for `s`, quotes included (control characters escaped as JSON does).
    static func quoted(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
}
