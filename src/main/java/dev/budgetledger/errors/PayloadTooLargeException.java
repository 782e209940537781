package dev.budgetledger.errors;

/** Raised while reading a body that grows past the configured limit. */
public class PayloadTooLargeException extends ApiException {

	public PayloadTooLargeException(long maxBytes) {
		super(ProblemType.PAYLOAD_TOO_LARGE, "Request body exceeds " + maxBytes + " bytes");
	}

}
