package dev.budgetledger.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature: {@code v1,} and the Base64 of HMAC-SHA256 over
 * {@code id.timestamp.body}, keyed with the Base64-decoded part of the secret after
 * {@code whsec_}. docs/alerts.md shows the same in three languages.
 */
public final class WebhookSignatures {

	public static final String SECRET_PREFIX = "whsec_";

	private static final SecureRandom random = new SecureRandom();

	private WebhookSignatures() {
	}

	/** A fresh secret: {@code whsec_} and the Base64 of 32 random bytes. */
	static String newSecret() {
		byte[] key = new byte[32];
		random.nextBytes(key);
		return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
	}

	/**
	 * One signature, {@code v1,<base64>}, of a message with the given id, timestamp (unix
	 * seconds) and body.
	 */
	public static String sign(String secret, String messageId, long timestamp, byte[] body) {
		byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			mac.update((messageId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
			return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is required by every JVM", ex);
		}
	}

}
