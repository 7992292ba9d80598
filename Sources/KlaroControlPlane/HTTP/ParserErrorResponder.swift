import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refused (oversized header, bad or conflicting
/// Content-Length, …) with the problem+json body every other error has, then closes.
///
/// Hummingbird answers these with an empty 400; this handler sits after the HTTP codec and
/// takes the parser's error first. When a response is already under way the error goes on
/// to Hummingbird, which then closes the connection as before.
final class ParserErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var responseUnderway = false
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the answer the connection is closing: nothing more reaches the router.
        guard !answered else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational: responseUnderway = true
        case .end: responseUnderway = false
        default: break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !responseUnderway, !answered else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let problem = Self.problem(for: parserError)
        let body = Self.body(of: problem)
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }

    /// The problem for a parser error: what the client sent wrong, in its terms.
    static func problem(for error: HTTPParserError) -> HTTPProblem {
        switch error {
        case .headerOverflow:
            HTTPProblem(.init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "headers_too_large",
                        message: "the request's header fields are too large")
        case .invalidContentLength:
            HTTPProblem(.badRequest, code: "bad_content_length", message: "Content-Length must be one non-negative decimal number")
        case .unexpectedContentLength:
            HTTPProblem(.badRequest, code: "bad_content_length", message: "Content-Length is not allowed on this request")
        case .invalidChunkSize:
            HTTPProblem(.badRequest, code: "bad_chunk", message: "a chunk size of the request body is malformed")
        case .unknown:
            // llhttp's "Transfer-Encoding can't be present with Content-Length" (and a bad
            // Transfer-Encoding) reach NIO as `.unknown`: name the usual cause.
            HTTPProblem(.badRequest, code: "malformed_request", message:
                "the request is not valid HTTP/1.1: Content-Length and Transfer-Encoding together, or a bad Transfer-Encoding")
        default:
            HTTPProblem(.badRequest, code: "malformed_request", message: "the request is not valid HTTP/1.1")
        }
    }

    private static func body(of problem: HTTPProblem) -> ByteBuffer {
        let body = ProblemBody(
            type: "https://klaro.dev/problems/\(problem.code)", title: problem.status.reasonPhrase, status: problem.status.code,
            detail: problem.message, code: problem.code, message: problem.message, errors: nil, request_id: nil
        )
        let data = (try? JSONEncoding.encoder().encode(body)) ?? Data()
        return ByteBuffer(bytes: data)
    }
}
