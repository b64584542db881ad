import Crypto
import Foundation
import HTTP1
import HTTPServer

/// `GET /annotate`: the built-in annotation page, and `GET /annotate/stats`: the researcher's view of progress
/// and agreement. Each is one self-contained HTML document with a little JavaScript and no build step; they
/// work through the public API with the user's own bearer token, which they keep in `localStorage` and never
/// put in a URL.
enum AnnotatePage {
    static func register(on router: inout Router) {
        let annotate = Self.page(html: html, script: markdownScript + script, style: style)
        let stats = Self.page(html: StatsPage.html, script: StatsPage.script, style: StatsPage.style)
        router.get("/annotate", execution: .inline) { _ in annotate.response }
        router.get("/annotate/stats", execution: .inline) { _ in stats.response }
    }

    /// A page and its policy, built once: the pages never change while the process runs.
    struct Page: Sendable {
        let response: ServerResponse
        let contentSecurityPolicy: String
    }

    /// `html` holds `{{style}}` and `{{script}}` where the two go.
    static func page(html: String, script: String, style: String) -> Page {
        let policy = contentSecurityPolicy(script: script, style: style)
        var headers: HTTPHeaders = ["Content-Type": "text/html; charset=utf-8"]
        headers.add(name: "Content-Security-Policy", value: policy)
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Referrer-Policy", value: "no-referrer")
        let document = html.replacingOccurrences(of: "{{style}}", with: style).replacingOccurrences(of: "{{script}}", with: script)
        return Page(response: ServerResponse(headers: headers, body: .bytes(Array(document.utf8))), contentSecurityPolicy: policy)
    }

    /// Scripts and styles are admitted by hash, not by `'unsafe-inline'`, so markup that ever slipped into
    /// the page could not run. Requests may go only to this origin; links in guidelines open elsewhere.
    static func contentSecurityPolicy(script: String, style: String) -> String {
        [
            "default-src 'none'",
            "script-src 'self' '\(sha256(script))'",
            "style-src '\(sha256(style))'",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    static func sha256(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }
}
