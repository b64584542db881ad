import Service
import Testing

@Suite struct WebhookSignatureTests {
    /// The Standard Webhooks reference vector (as in its and Svix's libraries' tests).
    @Test func matchesTheStandardWebhooksVector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: body)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verificationRejectsAnyChange() throws {
        let secret = WebhookSignature.newSecret()
        #expect(secret.hasPrefix("whsec_") && secret.count > 40)
        let body = Array(#"{"type":"run.succeeded"}"#.utf8)
        let header = try #require(WebhookSignature.sign(secret: secret, id: "msg_1", timestamp: 100, body: body))
        #expect(WebhookSignature.verify(header: "v1,bogus " + header, secret: secret, id: "msg_1", timestamp: 100, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: secret, id: "msg_2", timestamp: 100, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: secret, id: "msg_1", timestamp: 101, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: secret, id: "msg_1", timestamp: 100, body: body + [32]))
        #expect(!WebhookSignature.verify(header: header, secret: WebhookSignature.newSecret(), id: "msg_1", timestamp: 100, body: body))
        #expect(WebhookSignature.sign(secret: "not-a-secret", id: "m", timestamp: 1, body: []) == nil)
    }
}
