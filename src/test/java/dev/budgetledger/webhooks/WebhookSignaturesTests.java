package dev.budgetledger.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignaturesTests {

	/** The test vector published with the Standard Webhooks reference libraries. */
	@Test
	void signaturesMatchTheStandardWebhooksTestVector() {
		String signature = WebhookSignatures.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				"msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

		assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	}

	@Test
	void theJavaSnippetInTheDocsVerifiesWhatTheServiceSigns() throws Exception {
		String secret = WebhookSignatures.newSecret();
		String id = "0b9f8a1e-3c55-4f0e-9d7c-4d2a3e6f7a10";
		String timestamp = "1795000000";
		String body = "{\"id\":\"0b9f8a1e-3c55-4f0e-9d7c-4d2a3e6f7a10\",\"type\":\"budget.exhausted\"}";
		String header = "v1,bm90IHRoaXMgb25l "
				+ WebhookSignatures.sign(secret, id, Long.parseLong(timestamp), body.getBytes(StandardCharsets.UTF_8));

		assertThat(DocsSnippet.verify(secret, id, timestamp, body, header)).isTrue();
		assertThat(DocsSnippet.verify(secret, id, timestamp, body + " ", header)).isFalse();
		assertThat(DocsSnippet.verify(WebhookSignatures.newSecret(), id, timestamp, body, header)).isFalse();
	}

	@Test
	void secretsAreWhsecAndTheBase64Of32RandomBytes() {
		String one = WebhookSignatures.newSecret();
		String two = WebhookSignatures.newSecret();

		assertThat(one).startsWith("whsec_").isNotEqualTo(two);
		assertThat(Base64.getDecoder().decode(one.substring(6))).hasSize(32);
	}

	/** Copied word for word from docs/alerts.md ("Verifying a signature", Java). */
	static final class DocsSnippet {

		// --- from docs/alerts.md
		static boolean verify(String secret, String id, String timestamp, String body, String signatureHeader)
				throws Exception {
			byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
			for (String candidate : signatureHeader.split(" ")) {
				if (candidate.startsWith("v1,")
						&& MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(3)))) {
					return true;
				}
			}
			return false;
		}
		// --- end

	}

}
