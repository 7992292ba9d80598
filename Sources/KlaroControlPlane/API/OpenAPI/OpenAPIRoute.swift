import Foundation
import Hummingbird

/// `GET /openapi.yaml`: the API description (docs/openapi.yaml, shipped as a resource).
struct OpenAPIRoute: Sendable {
    /// The document, read once; nil when the resource is missing from the installation.
    static let document: Data? = Bundle.module.url(forResource: "openapi", withExtension: "yaml")
        .flatMap { try? Data(contentsOf: $0) }

    func register(on router: Router<KlaroRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            guard let document = Self.document else {
                throw HTTPProblem(.notFound, code: "not_found", message: "openapi.yaml is not installed next to klarod")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
