package dev.budgetledger.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

public record Budget(UUID id, String name, String currency, BigDecimal limit, BigDecimal spent, BigDecimal reserved,
		String status, Map<String, Object> metadata, long deniedCount, Instant createdAt, Instant updatedAt) {

	/** What may still be reserved; negative after an overrun. */
	public BigDecimal available() {
		return this.limit.subtract(this.spent).subtract(this.reserved);
	}

}
