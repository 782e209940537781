package dev.budgetledger.client;

import java.math.BigDecimal;
import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What {@code POST /v1/reservations/{id}/extend} changes on a held reservation: its expiry ({@code ttlSeconds} from
 * now) and/or what it holds, {@code maxOutputTokens} (a reservation priced by model) or {@code amount} (one by
 * amount), not both. A shrink always succeeds and gives the difference back; a growth is decided like a reserve of
 * the difference and throws {@link BudgetDeniedException} when denied, leaving the hold as it was.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExtendRequest(@Nullable Long ttlSeconds, @Nullable Long maxOutputTokens, @Nullable BigDecimal amount) {

	/** A new expiry only. */
	public static ExtendRequest ttl(Duration ttl) {
		return new ExtendRequest(ttl.toSeconds(), null, null);
	}

	/** A reservation priced by model holds this many output tokens from now on. */
	public static ExtendRequest maxOutputTokens(long tokens) {
		return new ExtendRequest(null, tokens, null);
	}

	/** A reservation by amount holds this much from now on. */
	public static ExtendRequest amount(BigDecimal amount) {
		return new ExtendRequest(null, null, amount);
	}

	public ExtendRequest withTtl(Duration ttl) {
		return new ExtendRequest(ttl.toSeconds(), this.maxOutputTokens, this.amount);
	}

}
