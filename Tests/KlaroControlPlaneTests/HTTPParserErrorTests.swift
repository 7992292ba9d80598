import Foundation
import KlaroTestSupport
import Testing

@Suite("HTTP requests the parser refuses")
struct HTTPParserErrorTests {
    static let cases: [(name: String, request: String, status: Int, code: String, says: String)] = [
        ("oversized header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 90_000))\r\n\r\n", 431,
         "headers_too_large", "too large"),
        ("negative Content-Length", "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400,
         "bad_content_length", "non-negative"),
        ("Content-Length with chunked",
         "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         400, "malformed_request", "Content-Length and Transfer-Encoding"),
        ("not HTTP at all", "\u{01}\u{02} nonsense\r\n\r\n", 400, "malformed_request", "HTTP/1.1"),
    ]

    @Test("raw bytes the parser refuses get a problem+json answer, and the server keeps serving")
    func parserErrorsAreProblems() async throws {
        try await withTestDatabase { database in
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            )
            let port = try #require(URL(string: klarod.baseURL)?.port)
            for sample in Self.cases {
                let reply = try await RawHTTP.send(Array(sample.request.utf8), port: port)
                #expect(reply.status == sample.status, "\(sample.name)")
                #expect(reply.headers["content-type"] == "application/problem+json", "\(sample.name)")
                #expect(reply.headers["connection"] == "close", "\(sample.name)")
                let body = try reply.json()
                #expect(body["code"] as? String == sample.code, "\(sample.name)")
                #expect(body["status"] as? Int == sample.status, "\(sample.name)")
                #expect((body["message"] as? String)?.contains(sample.says) == true, "\(sample.name): \(body["message"] ?? "")")
            }
            let after = try await RawHTTP.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), port: port)
            #expect(after.status == 200)
            await klarod.stop()
        }
    }
}
