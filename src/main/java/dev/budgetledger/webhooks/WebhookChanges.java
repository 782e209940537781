package dev.budgetledger.webhooks;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A partial update (JSON merge patch): a field in {@code present} takes its value here,
 * which for {@code budgetId} and {@code description} may be null (removed); a field not
 * in {@code present} stays as it is.
 */
public record WebhookChanges(Set<String> present, @Nullable String url, @Nullable List<String> events,
		@Nullable UUID budgetId, @Nullable String format, @Nullable Boolean enabled, @Nullable String description) {

	boolean has(String field) {
		return this.present.contains(field);
	}

}
